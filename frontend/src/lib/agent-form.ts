/** The agent form's state, its validation and its conversion to the `/api/agents` body. */

import type { Agent, AgentInput, AgentSettings } from "../api/platform-types";
import { emptyMemoryForm, formToMemorySchema, type MemoryFormState, memoryToForm } from "./memory-form";

export interface AgentFormState {
  name: string;
  defaultPrompt: string;
  tools: string[];
  /** "auto" or a model key. */
  model: string;
  /** The provider serving ``model`` (several may serve the same key); null: any. */
  provider: string | null;
  temperature: string;
  maxIterations: string;
  memory: MemoryFormState;
  /** Tools whose calls wait for a human's approval. */
  approvalTools: string[];
  onMaxIterations: "fail" | "best_answer";
  /** Settings of the saved agent, kept for the fields this form does not show. */
  baseSettings: AgentSettings;
}

export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/;
/** Prefix of a tools entry that names a saved agent offered as a sub-agent. */
export const AGENT_TOOL_PREFIX = "agent:";

export function emptyAgentForm(): AgentFormState {
  return {
    name: "",
    defaultPrompt: "",
    tools: [],
    model: "auto",
    provider: null,
    temperature: "0.7",
    maxIterations: "3",
    memory: emptyMemoryForm(),
    approvalTools: [],
    onMaxIterations: "fail",
    baseSettings: {},
  };
}

export function agentToForm(a: Agent): AgentFormState {
  return {
    name: a.name,
    defaultPrompt: a.default_prompt,
    tools: [...a.tools],
    model: a.model || "auto",
    provider: a.provider ?? null,
    temperature: String(a.temperature),
    maxIterations: String(a.max_iterations),
    memory: memoryToForm(a.memory_schema),
    approvalTools: Object.entries(a.settings?.tool_settings ?? {})
      .filter(([, t]) => t.requires_approval)
      .map(([name]) => name),
    onMaxIterations: a.settings?.on_max_iterations ?? "fail",
    baseSettings: a.settings ?? {},
  };
}

export type AgentFormResult = { ok: true; body: AgentInput } | { ok: false; errors: Record<string, string> };

/** Validate the form the way the server will, and build the request body. */
export function formToAgentInput(f: AgentFormState): AgentFormResult {
  const errors: Record<string, string> = {};
  const name = f.name.trim();
  if (!AGENT_NAME_PATTERN.test(name))
    errors.name = "1–100 letters, digits, spaces, _ . or -, starting with a letter or digit";
  const temperature = Number(f.temperature);
  if (f.temperature.trim() === "" || !Number.isFinite(temperature) || temperature < 0 || temperature > 2)
    errors.temperature = "a number from 0 to 2";
  const maxIterations = Number(f.maxIterations);
  if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 100)
    errors.maxIterations = "a whole number from 1 to 100";
  const memory = formToMemorySchema(f.memory);
  Object.assign(errors, memory.errors);
  if (f.tools.includes(`${AGENT_TOOL_PREFIX}${name}`)) errors.tools = "an agent cannot be its own sub-agent";
  if (Object.keys(errors).length) return { ok: false, errors };
  const tools = [...new Set(f.tools)];
  return {
    ok: true,
    body: {
      name,
      default_prompt: f.defaultPrompt,
      tools,
      memory_schema: memory.schema,
      model: f.model.trim() || "auto",
      ...(f.provider !== null ? { provider: f.model === "auto" ? null : f.provider } : {}),
      temperature,
      max_iterations: maxIterations,
      settings: agentSettings(f, tools),
    },
  };
}

/** The agent's settings: the saved ones, with the approval flags of the chosen tools and the max-iterations policy. */
function agentSettings(f: AgentFormState, tools: readonly string[]): AgentSettings {
  const saved = f.baseSettings.tool_settings ?? {};
  const toolSettings: NonNullable<AgentSettings["tool_settings"]> = {};
  for (const tool of tools) {
    const requiresApproval = f.approvalTools.includes(tool);
    const entry = { ...saved[tool], requires_approval: requiresApproval };
    // Keep an entry only when it says something beyond the defaults.
    if (requiresApproval || Object.keys(saved[tool] ?? {}).some((k) => k !== "requires_approval"))
      toolSettings[tool] = entry;
  }
  return { ...f.baseSettings, on_max_iterations: f.onMaxIterations, tool_settings: toolSettings };
}

/** Toggle one entry of a tools list, keeping its order. */
export function toggleTool(tools: readonly string[], tool: string): string[] {
  return tools.includes(tool) ? tools.filter((t) => t !== tool) : [...tools, tool];
}
