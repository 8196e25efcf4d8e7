import type {
  FieldError,
  GraphDocument,
  GraphRead,
  GraphSummary,
  JsonObject,
  Me,
  NodeSpec,
  PortSpec,
  RunRead,
  TemplatePreview,
  VersionRead,
  VersionSummary,
} from "./types";

const KEY_STORAGE = "kyra.apiKey";

/** An HTTP error answered by the API, with its per-field errors when present. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors: FieldError[];

  constructor(status: number, message: string, errors: FieldError[] = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function getApiKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(extra?: HeadersInit, key = getApiKey()): Headers {
  const h = new Headers(extra);
  if (key) h.set("X-API-Key", key);
  return h;
}

async function errorFrom(resp: Response): Promise<ApiError> {
  let message = `${resp.status} ${resp.statusText}`;
  let errors: FieldError[] = [];
  try {
    const body: unknown = await resp.json();
    if (body && typeof body === "object") {
      const b = body as { detail?: unknown; errors?: unknown };
      if (typeof b.detail === "string") message = b.detail;
      if (Array.isArray(b.errors)) errors = b.errors as FieldError[];
    }
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(resp.status, message, errors);
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { key?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const init: RequestInit = {
    method,
    headers: headers(body === undefined ? undefined : { "Content-Type": "application/json" }, opts.key ?? getApiKey()),
    signal: opts.signal,
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const resp = await fetch(path, init);
  if (resp.status === 401) {
    if (!opts.key) unauthorizedListeners.forEach((l) => l());
    throw await errorFrom(resp);
  }
  if (!resp.ok) throw await errorFrom(resp);
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

/** Filters of the runs lists (`GET /api/runs`, `GET /api/graphs/{id}/runs`). */
export interface RunFilters {
  status?: string[];
  trigger?: string[];
  graph_id?: string;
  /** ISO date-times: runs created from `since` (included) until `until` (excluded). */
  since?: string;
  until?: string;
  /** The start of a run id. */
  q?: string;
}

function runQuery(limit: number, offset: number, f: RunFilters): string {
  const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  for (const s of f.status ?? []) q.append("status", s);
  for (const t of f.trigger ?? []) q.append("trigger", t);
  for (const key of ["graph_id", "since", "until", "q"] as const) {
    const v = f[key];
    if (v) q.set(key, v);
  }
  return q.toString();
}

export const api = {
  me: (key?: string) => request<Me>("GET", "/api/me", undefined, { key }),
  nodes: () => request<NodeSpec[]>("GET", "/api/nodes"),
  ports: (type: string, params: unknown) =>
    request<{ inputs: PortSpec[]; outputs: PortSpec[] }>("POST", `/api/nodes/${enc(type)}/ports`, { params }),
  listGraphs: () => request<GraphSummary[]>("GET", "/api/graphs"),
  getGraph: (id: string) => request<GraphRead>("GET", `/api/graphs/${enc(id)}`),
  createGraph: (doc: GraphDocument) => request<GraphRead>("POST", "/api/graphs", doc),
  saveGraph: (id: string, doc: GraphDocument) => request<GraphRead>("PUT", `/api/graphs/${enc(id)}`, doc),
  patchGraph: (id: string, patch: { name?: string; description?: string }) =>
    request<GraphRead>("PATCH", `/api/graphs/${enc(id)}`, patch),
  deleteGraph: (id: string) => request<void>("DELETE", `/api/graphs/${enc(id)}`),
  validateGraph: (doc: GraphDocument, signal?: AbortSignal) =>
    request<{ valid: boolean; errors: FieldError[] }>("POST", "/api/graphs/validate", doc, { signal }),
  versions: (id: string) => request<VersionSummary[]>("GET", `/api/graphs/${enc(id)}/versions`),
  version: (id: string, v: number) => request<VersionRead>("GET", `/api/graphs/${enc(id)}/versions/${v}`),
  startRun: (id: string, body: { inputs: unknown; mode: "queue" | "sync"; version?: number }) =>
    request<RunRead>("POST", `/api/graphs/${enc(id)}/runs`, body),
  listRuns: (id: string, limit = 50, offset = 0, filters: RunFilters = {}) =>
    request<RunRead[]>("GET", `/api/graphs/${enc(id)}/runs?${runQuery(limit, offset, filters)}`),
  listAllRuns: (limit = 50, offset = 0, filters: RunFilters = {}) =>
    request<RunRead[]>("GET", `/api/runs?${runQuery(limit, offset, filters)}`),
  getRun: (id: string) => request<RunRead>("GET", `/api/runs/${enc(id)}`),
  cancelRun: (id: string) => request<RunRead>("POST", `/api/runs/${enc(id)}/cancel`),
  resumeRun: (id: string) => request<RunRead>("POST", `/api/runs/${enc(id)}/resume`),
  credentials: () =>
    request<{ id: string; name: string; kind: string; created_at: string }[]>("GET", "/api/credentials"),
  testRun: (
    id: string,
    body: {
      inputs: unknown;
      pinned: Record<string, JsonObject>;
      until?: string;
      mode: "queue" | "sync";
      version?: number;
    },
  ) => request<RunRead>("POST", `/api/graphs/${enc(id)}/test-runs`, body),
  previewTemplate: (template: unknown, context: unknown, signal?: AbortSignal) =>
    request<TemplatePreview>("POST", "/api/templates/preview", { template, context }, { signal }),
  rerun: (id: string, fromNode: string, version?: number) =>
    request<RunRead>("POST", `/api/runs/${enc(id)}/rerun`, { from_node: fromNode, mode: "queue", version }),
};

/** Save a stored file to the user's disk (the API needs the key header, so no plain link). */
export async function downloadFile(fileId: string, name: string): Promise<void> {
  const resp = await fetch(`/api/files/${enc(fileId)}/content`, { headers: headers() });
  if (!resp.ok) throw await errorFrom(resp);
  const url = URL.createObjectURL(await resp.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export { headers as authHeaders };
