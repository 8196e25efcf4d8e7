/** Wire types of the trigger, credential, LLM, analytics and agent endpoints (docs/API.md, backend/kyra/api). */

import type { JsonObject, NodeRunRead, RunStatus } from "./types";

export interface WebhookInfo {
  node_id: string;
  path: string;
  url: string;
  methods: string[];
}

/** A polling trigger of a saved graph (e.g. Gmail.trigger): when it looks, how it went. */
export interface PollInfo {
  node_id: string;
  node_type: string;
  interval_seconds: number;
  enabled: boolean;
  next_poll_at: string | null;
  last_polled_at: string | null;
  /** The last poll's failure; null when it worked. */
  last_error: string | null;
  runs_started: number;
  /** Whether a first poll stored a cursor (only mail newer than that starts runs). */
  started: boolean;
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
  /** Non-secret fields as stored. */
  fields: Record<string, string>;
  /** Names of the secret fields that hold a value (the values are never returned). */
  secrets_set: string[];
  /** Why it no longer works (e.g. its OAuth2 grant was revoked), or null. */
  problem: string | null;
  /** OAuth2 kinds: whether tokens are stored and when the access token expires (unix s). */
  oauth: { provider: string; connected: boolean; expires_at: number | null; refreshable: boolean } | null;
  created_at: string;
  updated_at?: string;
}

/** One field of a credential kind's form (`GET /api/credentials/kinds`). */
export interface CredentialFieldSpec {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
  type: "text" | "url" | "choice";
  choices: string[];
  default: string | null;
  description: string;
  placeholder: string;
  /** The field applies only when another field has one of these values. */
  when: { field: string; values: string[] } | null;
}

export interface CredentialKindSpec {
  name: string;
  title: string;
  description: string;
  docs_url: string;
  base_url: string;
  fields: CredentialFieldSpec[];
  testable: boolean;
  oauth2: { provider: string; scopes: string[] } | null;
}

/** `POST /api/credentials/{id}/test`. */
export interface CredentialTest {
  ok: boolean;
  message: string;
  status: number | null;
  account: string | null;
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

export type MemoryKind = "core" | "episodic" | "semantic" | "note" | "summary";
export type MemoryStrategy = "fused" | "vector" | "keyword" | "recency";

/** One stored memory; searches add `score` and `strategy` (and `matched_by` when fused). */
export interface MemoryItem {
  id: number;
  kind: MemoryKind;
  content: string;
  importance: number;
  metadata: JsonObject;
  occurred_at: string;
  created_at: string;
  key?: string;
  subject?: string;
  relation?: string;
  object?: string;
  session_id?: string;
  score?: number;
  strategy?: string;
  matched_by?: string[];
}

export interface MemoryCreate {
  kind: MemoryKind;
  content: string;
  key?: string;
}

export interface AgentSession {
  session_id: string;
  messages: number;
  updated_at: string | null;
}

export interface SessionWindow {
  session_id: string;
  window: number;
  backend: string;
  messages: { role: string; content?: unknown; tool_calls?: unknown }[];
}

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

/** `GET /api/oauth/providers`: whether the operator configured a client for each provider. */
export interface OAuthProvider {
  name: string;
  title: string;
  configured: boolean;
  source: "admin" | "environment" | null;
  client_id: string | null;
  redirect_uri: string;
}
