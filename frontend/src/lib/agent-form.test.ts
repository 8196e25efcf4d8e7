import { describe, expect, it } from "vitest";
import type { Agent } from "../api/platform-types";
import { agentToForm, emptyAgentForm, formToAgentInput, toggleTool } from "./agent-form";
import { emptyMemoryForm } from "./memory-form";

describe("agent form", () => {
  it("builds the request body from a valid form", () => {
    const form = {
      ...emptyAgentForm(),
      name: " researcher ",
      defaultPrompt: "Find facts.",
      tools: ["Core.think", "Core.think", "agent:writer"],
      temperature: "0.2",
      maxIterations: "5",
      memory: { ...emptyMemoryForm(), shortBackend: "buffer" },
    };
    expect(formToAgentInput(form)).toEqual({
      ok: true,
      body: {
        name: "researcher",
        default_prompt: "Find facts.",
        tools: ["Core.think", "agent:writer"],
        memory_schema: {
          short_backend: "buffer",
          short_window: 20,
          long_backend: null,
          top_k: 5,
          compression_strategy: "none",
          decay_enabled: false,
          decay_half_life_days: 30,
          embedding: { provider: "local", model: "all-MiniLM-L6-v2" },
        },
        model: "auto",
        temperature: 0.2,
        max_iterations: 5,
        settings: { on_max_iterations: "fail", tool_settings: {} },
      },
    });
  });

  it("reports every invalid field", () => {
    const result = formToAgentInput({
      ...emptyAgentForm(),
      name: "-bad",
      temperature: "3",
      maxIterations: "0",
      memory: { ...emptyMemoryForm(), topK: "-1" },
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(Object.keys(result.errors).sort()).toEqual([
        "maxIterations",
        "memory_schema.top_k",
        "name",
        "temperature",
      ]);
  });

  it("marks chosen tools that need approval and keeps other saved settings", () => {
    const agent = {
      name: "careful",
      default_prompt: "",
      tools: ["Core.think", "Core.code"],
      memory_schema: {},
      model: "auto",
      temperature: 0.7,
      max_iterations: 3,
      settings: {
        max_depth: 2,
        on_max_iterations: "best_answer",
        tool_settings: {
          "Core.think": { requires_approval: true },
          "Core.code": { requires_approval: false, timeout_s: 5 },
        },
      },
    } as unknown as Agent;
    const form = agentToForm(agent);
    expect(form.approvalTools).toEqual(["Core.think"]);
    const result = formToAgentInput({ ...form, approvalTools: ["Core.code"], tools: ["Core.code", "Web.research"] });
    expect(result).toMatchObject({
      ok: true,
      body: {
        settings: {
          max_depth: 2,
          on_max_iterations: "best_answer",
          tool_settings: { "Core.code": { requires_approval: true, timeout_s: 5 } },
        },
      },
    });
  });

  it("refuses an agent as its own sub-agent", () => {
    const result = formToAgentInput({ ...emptyAgentForm(), name: "loop", tools: ["agent:loop"] });
    expect(result).toMatchObject({ ok: false, errors: { tools: expect.any(String) } });
  });

  it("round-trips a saved agent and toggles tools in order", () => {
    const agent = {
      name: "a",
      default_prompt: "p",
      tools: ["Core.think"],
      memory_schema: {},
      model: "gpt-4o-mini",
      temperature: 0.7,
      max_iterations: 3,
    } as unknown as Agent;
    const form = agentToForm(agent);
    expect(form.model).toBe("gpt-4o-mini");
    expect(formToAgentInput(form)).toMatchObject({ ok: true, body: { model: "gpt-4o-mini", tools: ["Core.think"] } });
    expect(toggleTool(["a", "b"], "a")).toEqual(["b"]);
    expect(toggleTool(["a"], "c")).toEqual(["a", "c"]);
  });
});
