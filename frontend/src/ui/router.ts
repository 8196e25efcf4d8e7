import { useSyncExternalStore } from "react";

export type Route =
  | { page: "graphs" }
  | { page: "editor"; graphId: string }
  | { page: "new" }
  | { page: "runs"; graphId: string }
  | { page: "run"; runId: string }
  | { page: "all-runs" }
  | { page: "agents"; agentId: string | null }
  | { page: "credentials" }
  | { page: "models" }
  | { page: "team" }
  | { page: "triggers" }
  | { page: "node-docs"; type: string }
  | { page: "not-found" };

function subscribe(cb: () => void): () => void {
  window.addEventListener("popstate", cb);
  return () => window.removeEventListener("popstate", cb);
}

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "graphs")) return { page: "graphs" };
  if (parts[0] === "graphs" && parts[1] === "new" && parts.length === 2) return { page: "new" };
  if (parts[0] === "graphs" && parts.length === 2) return { page: "editor", graphId: parts[1] };
  if (parts[0] === "graphs" && parts[2] === "runs" && parts.length === 3) return { page: "runs", graphId: parts[1] };
  if (parts[0] === "runs" && parts.length === 2) return { page: "run", runId: parts[1] };
  if (parts[0] === "runs" && parts.length === 1) return { page: "all-runs" };
  if (parts[0] === "agents" && parts.length <= 2) return { page: "agents", agentId: parts[1] ?? null };
  if (parts[0] === "credentials" && parts.length === 1) return { page: "credentials" };
  if (parts[0] === "models" && parts.length === 1) return { page: "models" };
  if (parts[0] === "team" && parts.length === 1) return { page: "team" };
  if (parts[0] === "triggers" && parts.length === 1) return { page: "triggers" };
  if (parts[0] === "docs" && parts[1] === "nodes" && parts.length === 3) return { page: "node-docs", type: parts[2] };
  return { page: "not-found" };
}

/** The current client-side route, re-rendering on navigation. */
export function useRoute(): Route {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  return parseRoute(path);
}

let guard: (() => boolean) | null = null;

/** Ask before client-side navigation (e.g. unsaved changes); `null` removes the guard. */
export function setNavigationGuard(next: (() => boolean) | null): void {
  guard = next;
}

export function navigate(path: string, replace = false): void {
  if (guard && !guard()) return;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
