import { request } from "../api/client";

export type Role = "admin" | "member";

export interface UserRow {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  disabled: boolean;
  created_at: string;
}

export interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TriggerRow {
  id: string;
  kind: string;
  graph_id: string;
  graph_name: string;
  node_id: string | null;
  enabled: boolean;
  last_run_at: string | null;
  url: string | null;
  methods?: string[];
  reply?: string;
  cron?: string;
  timezone?: string;
  next_fire_at?: string | null;
  agent_id?: string | null;
  bot?: string | null;
}

export interface Deployment {
  id: string;
  graph_id: string;
  agent_id: string | null;
  kind: string;
  credential_id: string;
  config: { bot_username?: string; webhook_url?: string };
  created_at: string;
}

export interface DeployInput {
  public_url: string;
  token?: string;
  credential_id?: string;
}

const enc = encodeURIComponent;

/** Users, API keys, triggers and channel deployments (the operations pages). */
export const operationsApi = {
  users: () => request<UserRow[]>("GET", "/api/users"),
  createUser: (body: { name: string; email?: string; role: Role }) =>
    request<UserRow & { api_key: string }>("POST", "/api/users", body),
  updateUser: (id: string, body: { disabled?: boolean; role?: Role }) =>
    request<UserRow>("PATCH", `/api/users/${enc(id)}`, body),
  keys: () => request<KeyRow[]>("GET", "/api/keys"),
  createKey: (name: string) => request<KeyRow & { key: string }>("POST", "/api/keys", { name }),
  revokeKey: (id: string) => request<void>("DELETE", `/api/keys/${enc(id)}`),
  triggers: () => request<TriggerRow[]>("GET", "/api/triggers"),
  setTriggerEnabled: (kind: string, id: string, enabled: boolean) =>
    request<{ enabled: boolean }>("PATCH", `/api/triggers/${enc(kind)}/${enc(id)}`, { enabled }),
  deployments: () => request<Deployment[]>("GET", "/api/channels"),
  deployAgent: (agentId: string, kind: string, body: DeployInput) =>
    request<Deployment>("POST", `/api/agents/${enc(agentId)}/channels/${enc(kind)}`, body),
  removeDeployment: (id: string) => request<void>("DELETE", `/api/channels/${enc(id)}`),
};
