/** Wire types of the trigger, credential, LLM, analytics and agent endpoints (docs/API.md, backend/kyra/api). */

import type { JsonObject, NodeRunRead, RunStatus } from "./types";

export interface WebhookInfo {
  node_id: string;
  path: string;
  url: string;
  methods: string[];
}

export interface ScheduleInfo {
  id: string;
  graph_id: string;
  node_id: string;
  cron: string;
  timezone: string;
  missed_policy: string;
  enabled: boolean;
  /** ISO time of the next occurrence; null when disabled. */
  next_fire_at: string | null;
  last_fire_at: string | null;
}

/** `POST /api/graphs/{id}/webhook-secret`: the secret is shown this once. */
export interface WebhookSecret {
  secret: string;
  headers: string[];
  signature: string;
}

export interface Credential {
  id: string;
  name: string;
  kind: string;
  created_at: string;
  updated_at?: string;
}

export type ProviderKind = "openai" | "anthropic" | "openai_compatible";

export interface LlmProvider {
  id: string;
  name: string;
  kind: ProviderKind | string;
  base_url: string | null;
  has_api_key: boolean;
  shared: boolean;
  capabilities: JsonObject;
  created_at: string;
}

export interface ProviderCreate {
  name: string;
  kind: ProviderKind;
  base_url?: string;
  api_key?: string;
}

export interface LlmModel {
  id: string;
  provider_id: string;
  provider: string;
  model_key: string;
  display_name: string;
  context_length: number;
  max_output_tokens: number;
  input_cost_per_1k: number;
  output_cost_per_1k: number;
  capabilities: JsonObject;
  is_recommended: boolean;
  shared: boolean;
}

export interface ProviderUpdate {
  name?: string;
  base_url?: string | null;
  /** Write-only: replaces the stored key. */
  api_key?: string;
  clear_api_key?: boolean;
}

export interface ProviderTest {
  ok: boolean;
  message: string;
  models: string[];
}

export interface ModelCreate {
  provider_id: string;
  model_key: string;
  display_name?: string;
  context_length?: number;
  input_cost_per_1k?: string;
  output_cost_per_1k?: string;
}

export interface ModelUpdate {
  display_name?: string;
  context_length?: number;
  max_output_tokens?: number;
  input_cost_per_1k?: number;
  output_cost_per_1k?: number;
  capabilities?: JsonObject;
  is_recommended?: boolean;
}

export type UseCase = "general" | "code_generation" | "reasoning" | "multimodal";
export type BudgetTier = "low" | "medium" | "high";

export interface Recommendation {
  model: string;
  provider: string;
  score: number;
  components: Record<string, number>;
  typical_call_usd: number;
  explanation: string;
}

export type UsageGroup = "user" | "agent" | "model" | "graph" | "day" | "hour";

export interface UsageRow {
  key: string | null;
  label: string | null;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  avg_latency_ms: number | null;
}

export interface UsageRead {
  group_by: string;
  since: string | null;
  until: string | null;
  rows: UsageRow[];
  totals: UsageRow;
}

export type RunStatsGroup = "none" | "graph" | "day";

export interface RunStatsRow {
  key?: string | null;
  label?: string | null;
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  paused: number;
  running: number;
  queued: number;
  success_rate: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  cost_usd: number;
}

export interface RunStatsRead {
  group_by: string;
  since: string | null;
  until: string | null;
  rows: RunStatsRow[];
}

/** An entry of `GET /api/tools`: one handler as an OpenAI-style function definition. */
export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonObject };
}

export interface AgentSettings {
  on_max_iterations?: "fail" | "best_answer";
  max_depth?: number;
  max_tokens?: number;
  tool_settings?: Record<
    string,
    {
      requires_approval?: boolean;
      credentials?: Record<string, string>;
      timeout_s?: number | null;
      retries?: number | null;
    }
  >;
}

export interface Agent {
  id: string;
  name: string;
  default_prompt: string;
  /** Node types (`Core.think`) and sub-agents (`agent:researcher`). */
  tools: string[];
  memory_schema: JsonObject;
  model: string;
  provider: string | null;
  temperature: number;
  max_iterations: number;
  settings: AgentSettings;
  status: string;
  has_webhook_secret: boolean;
  graph_id: string | null;
  total_input_tokens: number;
  total_output_tokens: number;
  total_cost: number;
  created_at: string;
  updated_at: string;
}

export interface AgentInput {
  name: string;
  default_prompt: string;
  tools: string[];
  memory_schema: JsonObject;
  model: string;
  provider?: string | null;
  temperature: number;
  max_iterations: number;
  settings?: AgentSettings;
}

export type AgentRunMode = "direct" | "tracked" | "queue";

/** A step of an agent (an LLM call, a tool call, a sub-agent) as the trace shows it. */
export interface TraceNode extends NodeRunRead {
  children: TraceNode[];
  summary?: { text?: string | null; tool_calls?: string[]; content?: unknown } | null;
}

/** The answer of a `direct` or `tracked` agent run. */
export interface AgentAnswer {
  agent_run_id: string;
  run_id: string | null;
  mode: AgentRunMode;
  status: RunStatus;
  answer?: unknown;
  result?: unknown;
  finished?: boolean | null;
  iterations?: number | null;
  cost_usd: number;
  input_tokens: number | null;
  output_tokens: number | null;
  error: unknown;
  pause_reason: string | null;
  steps: TraceNode[];
}

/** The 202 answer of a `queue` agent run. */
export interface AgentQueued {
  agent_run_id: string;
  run_id: string;
  mode: "queue";
  status: RunStatus;
}

export interface AgentRunRow {
  id: string;
  agent_id: string;
  run_id: string | null;
  mode: AgentRunMode;
  status: string;
  goal: string;
  result: unknown;
  error: unknown;
  cost_usd: number;
  created_at: string;
  updated_at: string;
}

export interface TraceTotals {
  llm_calls: number;
  tool_calls: number;
  agents: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface RunTrace {
  run_id: string;
  status: RunStatus;
  totals: TraceTotals;
  tree: TraceNode[];
}

/** A call of a paused run waiting for a human (`RunRead.pending_approval`). */
export interface PendingApproval {
  node_run_id: string;
  node_id: string;
  kind: string;
  step_key: string | null;
  request: JsonObject | null;
  since: string | null;
}
