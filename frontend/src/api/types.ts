/** Wire types of the Kyra Flow HTTP API (docs/API.md). */

import type { PendingApproval, PollInfo, ScheduleInfo, WebhookInfo } from "./platform-types";

export type PortType = "any" | "json" | "object" | "list" | "text" | "number" | "boolean";

export interface PortSpec {
  name: string;
  type: PortType;
  many?: boolean;
  description?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface NodeSpec {
  type: string;
  title: string;
  category: string;
  /** Icon name (src/nodes/icons.ts); empty shows the category's. */
  icon?: string;
  description: string;
  params_schema: JsonObject;
  inputs: PortSpec[];
  outputs: PortSpec[];
  dynamic_outputs: boolean;
  credentials: { kind: string; required: boolean }[];
  pure: boolean;
  trigger: boolean;
  /** A trigger that polls its service (the scheduler calls it). */
  polls?: boolean;
  /** A trigger its service calls at a URL of its own (/hooks/<service>/…). */
  receives?: boolean;
  tool: boolean;
  timeout_s: number;
  retries: number;
}

export interface XY {
  x: number;
  y: number;
}

/** A node of a `kyra.graph/1` document; unknown keys are kept as they are. */
export interface DocNode {
  id: string;
  type: string;
  name?: string;
  params?: JsonObject;
  position?: XY;
  settings?: JsonObject;
  credentials?: { [kind: string]: string };
  [key: string]: unknown;
}

export interface DocEdge {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  [key: string]: unknown;
}

export interface DocNote {
  id: string;
  text: string;
  position?: XY;
  size?: { width: number; height: number };
  [key: string]: unknown;
}

/** Editor-only data saved with a graph: never read by runs from triggers or the API. */
export interface EditorData {
  /** Trigger payload of test runs started in the editor. */
  test_payload?: unknown;
  /** Node id → output ports served instead of running the node in editor test runs. */
  pinned?: Record<string, JsonObject>;
  [key: string]: unknown;
}

export interface GraphDocument {
  schema: "kyra.graph/1";
  name: string;
  description?: string;
  nodes: DocNode[];
  edges: DocEdge[];
  notes?: DocNote[];
  settings?: JsonObject;
  editor?: EditorData;
  [key: string]: unknown;
}

export interface GraphSummary {
  id: string;
  name: string;
  description: string;
  version: number;
  settings?: JsonObject;
  created_at: string;
  updated_at: string;
}

export interface GraphRead extends GraphSummary {
  document: GraphDocument;
  webhooks?: WebhookInfo[];
  schedules?: ScheduleInfo[];
  polls?: PollInfo[];
  has_webhook_secret?: boolean;
}

export interface VersionSummary {
  version: number;
  created_at: string;
}

export interface VersionRead extends VersionSummary {
  document: GraphDocument;
}

/** Mirrors `backend/kyra/status.py` (tests/unit/test_status.py keeps the two in step). */
export type RunStatus = "queued" | "running" | "paused" | "succeeded" | "failed" | "cancelled";
export type NodeRunStatus = RunStatus | "skipped";

export interface NodeRunError {
  type?: string;
  message?: string;
  details?: unknown;
}

export interface NodeRunRead {
  id: string;
  node_id: string;
  node_type: string;
  status: NodeRunStatus;
  attempt: number;
  inputs: unknown;
  params: unknown;
  output: unknown;
  error: NodeRunError | null;
  reused: boolean;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  cost_usd: number | string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  /** "node" for graph nodes; "llm_call", "tool_call" or "agent" for agent steps. */
  kind?: string;
  /** The node run (or step) that started this step; null for graph nodes. */
  parent_node_run_id?: string | null;
  step_key?: string | null;
  sequence?: number | null;
}

export interface RunRead {
  id: string;
  graph_id: string;
  graph_version: number;
  /** In runs lists: the graph's name, or the agent's when the graph backs a saved agent. */
  graph_name?: string;
  /** In runs lists: the saved agent the graph backs, if any. */
  agent?: string | null;
  status: RunStatus;
  mode: string;
  trigger_kind: string;
  trigger: unknown;
  output: unknown;
  error: NodeRunError | string | null;
  pause_reason?: string | null;
  budget_usd: number | string | null;
  cost_usd: number | string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  node_runs?: NodeRunRead[];
  /** Calls a paused run waits on a human for (agents work; absent on older servers). */
  pending_approval?: PendingApproval[];
}

export interface FieldError {
  node_id: string | null;
  field: string;
  code: string;
  message: string;
}

export interface Me {
  user_id: string;
  name: string;
  is_admin: boolean;
  role?: "admin" | "member";
}

/** `POST /api/templates/preview`: a template's value, or the error a run would raise. */
export interface TemplatePreview {
  value: unknown;
  error: { type: string; message: string } | null;
}
