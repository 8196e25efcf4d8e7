import { ApiError, request } from "./client";
import type {
  Agent,
  AgentAnswer,
  AgentInput,
  AgentQueued,
  AgentRunMode,
  AgentRunRow,
  AgentSession,
  BudgetTier,
  Credential,
  CredentialKindSpec,
  CredentialTest,
  OAuthProvider,
  LlmModel,
  LlmProvider,
  MemoryCreate,
  MemoryItem,
  MemoryStrategy,
  ModelCreate,
  ModelUpdate,
  ProviderCreate,
  ProviderTest,
  ProviderUpdate,
  Recommendation,
  RunStatsGroup,
  RunStatsRead,
  RunTrace,
  ScheduleInfo,
  SessionWindow,
  ToolDefinition,
  UsageGroup,
  UsageRead,
  UseCase,
  WebhookSecret,
} from "./platform-types";
import type { RunRead } from "./types";

const enc = encodeURIComponent;

/** True when an error means the server has no such endpoint (yet): 404 or 405 on the route. */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.status === 405);
}

/** The message of any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError && e.errors.length)
    return `${e.message}: ${e.errors.map((x) => (x.field ? `${x.field}: ${x.message}` : x.message)).join("; ")}`;
  return e instanceof Error ? e.message : String(e);
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Client for the endpoints beyond the graph editor: triggers, credentials, LLMs, analytics, agents. */
export const platformApi = {
  rotateWebhookSecret: (graphId: string) =>
    request<WebhookSecret>("POST", `/api/graphs/${enc(graphId)}/webhook-secret`),
  deleteWebhookSecret: (graphId: string) => request<void>("DELETE", `/api/graphs/${enc(graphId)}/webhook-secret`),
  schedules: () => request<ScheduleInfo[]>("GET", "/api/schedules"),

  credentials: () => request<Credential[]>("GET", "/api/credentials"),
  credentialKinds: () => request<CredentialKindSpec[]>("GET", "/api/credentials/kinds"),
  createCredential: (body: { name: string; kind: string; data: Record<string, string | null> }) =>
    request<Credential>("POST", "/api/credentials", body),
  updateCredential: (id: string, body: { name?: string; data: Record<string, string | null> }) =>
    request<Credential>("PUT", `/api/credentials/${enc(id)}`, body),
  testCredential: (id: string) => request<CredentialTest>("POST", `/api/credentials/${enc(id)}/test`),
  deleteCredential: (id: string) => request<void>("DELETE", `/api/credentials/${enc(id)}`),
  oauthProviders: () => request<OAuthProvider[]>("GET", "/api/oauth/providers"),
  /** Start connecting an OAuth2 credential: the provider URL to send the browser to. */
  authorizeCredential: (credentialId: string) =>
    request<{ authorize_url: string }>("POST", "/api/oauth/authorize", { credential_id: credentialId }),

  providers: () => request<LlmProvider[]>("GET", "/api/llm/providers"),
  createProvider: (body: ProviderCreate) => request<LlmProvider>("POST", "/api/llm/providers", body),
  updateProvider: (id: string, body: ProviderUpdate) =>
    request<LlmProvider>("PUT", `/api/llm/providers/${enc(id)}`, body),
  deleteProvider: (id: string) => request<void>("DELETE", `/api/llm/providers/${enc(id)}`),
  testProvider: (id: string) => request<ProviderTest>("POST", `/api/llm/providers/${enc(id)}/test`),
  createModel: (body: ModelCreate) => request<LlmModel>("POST", "/api/llm/models", body),
  models: () => request<LlmModel[]>("GET", "/api/llm/models"),
  updateModel: (id: string, body: ModelUpdate) => request<LlmModel>("PUT", `/api/llm/models/${enc(id)}`, body),
  recommendations: (useCase: UseCase, budget: BudgetTier, limit = 5) =>
    request<Recommendation[]>("GET", `/api/llm/recommendations${query({ use_case: useCase, budget, limit })}`),

  usage: (groupBy: UsageGroup, since?: string) =>
    request<UsageRead>("GET", `/api/analytics/usage${query({ group_by: groupBy, since })}`),
  runStats: (groupBy: RunStatsGroup, since?: string) =>
    request<RunStatsRead>("GET", `/api/analytics/runs${query({ group_by: groupBy, since })}`),

  tools: () => request<ToolDefinition[]>("GET", "/api/tools"),
  agents: () => request<Agent[]>("GET", "/api/agents"),
  createAgent: (body: AgentInput) => request<Agent>("POST", "/api/agents", body),
  updateAgent: (ref: string, body: Partial<AgentInput>) => request<Agent>("PATCH", `/api/agents/${enc(ref)}`, body),
  deleteAgent: (ref: string) => request<void>("DELETE", `/api/agents/${enc(ref)}`),
  runAgent: (ref: string, body: { goal: string; mode: AgentRunMode; budget_usd?: number; session_id?: string }) =>
    request<AgentAnswer | AgentQueued>("POST", `/api/agents/${enc(ref)}/run`, body),
  agentRuns: (ref: string, limit = 20) =>
    request<AgentRunRow[]>("GET", `/api/agents/${enc(ref)}/runs${query({ limit })}`),

  memories: (ref: string, params: { kind?: string; query?: string; strategy?: MemoryStrategy; limit?: number }) =>
    request<MemoryItem[]>("GET", `/api/agents/${enc(ref)}/memories${query(params)}`),
  addMemory: (ref: string, body: MemoryCreate) => request<MemoryItem>("POST", `/api/agents/${enc(ref)}/memories`, body),
  deleteMemory: (ref: string, id: number) => request<void>("DELETE", `/api/agents/${enc(ref)}/memories/${id}`),
  sessions: (ref: string) => request<AgentSession[]>("GET", `/api/agents/${enc(ref)}/sessions`),
  session: (ref: string, sessionId: string) =>
    request<SessionWindow>("GET", `/api/agents/${enc(ref)}/sessions/${enc(sessionId)}`),

  trace: (runId: string) => request<RunTrace>("GET", `/api/runs/${enc(runId)}/trace`),
  /** Resume a run paused with `budget_exceeded`, raising its budget. */
  resumeWithBudget: (runId: string, budgetUsd: number) =>
    request<RunRead>("POST", `/api/runs/${enc(runId)}/resume`, { budget_usd: budgetUsd }),
  approve: (runId: string, comment = "") => request<RunRead>("POST", `/api/runs/${enc(runId)}/approve`, { comment }),
  reject: (runId: string, comment = "") => request<RunRead>("POST", `/api/runs/${enc(runId)}/reject`, { comment }),
};
