import { type FormEvent, useMemo, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import { ApiError } from "../api/client";
import { errorText, platformApi } from "../api/platform";
import type { Agent, LlmModel } from "../api/platform-types";
import {
  AGENT_TOOL_PREFIX,
  type AgentFormState,
  agentToForm,
  emptyAgentForm,
  formToAgentInput,
  toggleTool,
} from "../lib/agent-form";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { FieldError, MemoryFields } from "./memory-fields";

function ApprovalPicker({
  tools,
  approvals,
  onChange,
}: {
  tools: string[];
  approvals: string[];
  onChange: (approvals: string[]) => void;
}) {
  if (!tools.length) return null;
  return (
    <fieldset className="tool-picker">
      <legend>Human in the loop</legend>
      <p className="muted small">A call of a checked tool pauses the run until someone approves or rejects it.</p>
      {tools.map((t) => (
        <label key={t} className="check">
          <input
            type="checkbox"
            aria-label={`${t} requires approval`}
            checked={approvals.includes(t)}
            onChange={() => onChange(toggleTool(approvals, t))}
          />
          <code>{t}</code> requires approval
        </label>
      ))}
    </fieldset>
  );
}

export function ToolPicker({
  tools,
  agents,
  self,
  onChange,
}: {
  tools: string[];
  agents: Agent[];
  self: string;
  onChange: (tools: string[]) => void;
}) {
  const { list } = useCatalogue();
  const [filter, setFilter] = useState("");
  const byCategory = useMemo(() => {
    const groups = new Map<string, { type: string; title: string; description: string }[]>();
    const f = filter.trim().toLowerCase();
    for (const s of list) {
      if (!s.tool || s.trigger) continue;
      if (f && !`${s.type} ${s.title}`.toLowerCase().includes(f)) continue;
      const g = groups.get(s.category) ?? [];
      g.push({ type: s.type, title: s.title, description: s.description });
      groups.set(s.category, g);
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [list, filter]);
  const subAgents = agents.filter((a) => a.name !== self);
  return (
    <fieldset className="tool-picker">
      <legend>
        Tools <span className="muted small">({tools.length} chosen)</span>
      </legend>
      <input
        placeholder="Filter tools"
        aria-label="Filter tools"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <div className="tool-groups">
        {byCategory.map(([category, specs]) => (
          <div key={category} className="tool-group">
            <strong className="small">{category}</strong>
            {specs.map((s) => (
              <label key={s.type} className="check" title={s.description}>
                <input
                  type="checkbox"
                  aria-label={`Tool ${s.type}`}
                  checked={tools.includes(s.type)}
                  onChange={() => onChange(toggleTool(tools, s.type))}
                />
                {s.title} <code className="muted">{s.type}</code>
              </label>
            ))}
          </div>
        ))}
        {subAgents.length > 0 && (
          <div className="tool-group">
            <strong className="small">Sub-agents</strong>
            {subAgents.map((a) => {
              const entry = `${AGENT_TOOL_PREFIX}${a.name}`;
              return (
                <label key={a.id} className="check">
                  <input
                    type="checkbox"
                    aria-label={`Tool ${entry}`}
                    checked={tools.includes(entry)}
                    onChange={() => onChange(toggleTool(tools, entry))}
                  />
                  {a.name} <code className="muted">{entry}</code>
                </label>
              );
            })}
          </div>
        )}
      </div>
      {tools
        .filter((t) => !list.some((s) => s.type === t) && !t.startsWith(AGENT_TOOL_PREFIX))
        .map((t) => (
          <p key={t} className="error-text small">
            Unknown tool <code>{t}</code>{" "}
            <button type="button" className="link" onClick={() => onChange(toggleTool(tools, t))}>
              remove
            </button>
          </p>
        ))}
    </fieldset>
  );
}

/** Create or edit an agent: name, default prompt, tools, model or auto, temperature, iterations, memory. */
export function AgentForm({
  agent,
  agents,
  onSaved,
  onCancel,
}: {
  agent: Agent | null;
  agents: Agent[];
  onSaved: (a: Agent) => void;
  onCancel?: () => void;
}) {
  const [form, setForm] = useState<AgentFormState>(() => (agent ? agentToForm(agent) : emptyAgentForm()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const models = useLoad<LlmModel[]>(platformApi.models);
  const set = (patch: Partial<AgentFormState>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = formToAgentInput(form);
    if (!result.ok) return setErrors(result.errors);
    setErrors({});
    setBusy(true);
    try {
      const saved = agent
        ? await platformApi.updateAgent(agent.id, result.body)
        : await platformApi.createAgent(result.body);
      toast("success", `Agent “${saved.name}” saved`);
      onSaved(saved);
    } catch (err) {
      // Errors naming a field are shown on it; the form keeps the summary.
      const onFields = err instanceof ApiError ? err.errors.filter((x) => x.field) : [];
      setErrors({
        ...Object.fromEntries(onFields.map((x) => [x.field, x.message])),
        form: onFields.length && err instanceof Error ? err.message : errorText(err),
      });
    } finally {
      setBusy(false);
    }
  };

  const modelKeys = models.data?.map((m) => m.model_key) ?? [];
  const embeddingProviders = [
    ...new Set((models.data ?? []).filter((m) => m.capabilities.embeddings === true).map((m) => m.provider)),
  ];
  return (
    <form className="panel agent-form" onSubmit={submit} aria-label={agent ? `Edit agent ${agent.name}` : "New agent"}>
      <h2>{agent ? `Edit ${agent.name}` : "New agent"}</h2>
      <label className="field">
        <span>Name</span>
        <input value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} />
        <FieldError error={errors.name} />
      </label>
      <label className="field">
        <span>Default prompt (system instructions)</span>
        <textarea rows={5} value={form.defaultPrompt} onChange={(e) => set({ defaultPrompt: e.target.value })} />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Model</span>
          {models.data ? (
            <select
              value={form.provider ? `${form.provider}|${form.model}` : form.model}
              onChange={(e) => {
                const [provider, model] = e.target.value.includes("|")
                  ? e.target.value.split("|", 2)
                  : [null, e.target.value];
                set({ model, provider });
              }}
            >
              <option value="auto">auto (choose by task and price)</option>
              {!modelKeys.includes(form.model) && form.model !== "auto" && (
                <option value={form.model}>{form.model}</option>
              )}
              {models.data.map((m) => (
                <option key={m.id} value={`${m.provider}|${m.model_key}`}>
                  {m.provider} · {m.model_key}
                </option>
              ))}
            </select>
          ) : (
            <input value={form.model} onChange={(e) => set({ model: e.target.value })} placeholder="auto" />
          )}
        </label>
        <label className="field">
          <span>Temperature</span>
          <input
            type="number"
            step="0.1"
            min={0}
            max={2}
            value={form.temperature}
            onChange={(e) => set({ temperature: e.target.value })}
          />
          <FieldError error={errors.temperature} />
        </label>
        <label className="field">
          <span>Max iterations</span>
          <input
            type="number"
            min={1}
            max={100}
            value={form.maxIterations}
            onChange={(e) => set({ maxIterations: e.target.value })}
          />
          <FieldError error={errors.maxIterations} />
        </label>
      </div>
      <ToolPicker tools={form.tools} agents={agents} self={form.name.trim()} onChange={(tools) => set({ tools })} />
      <FieldError error={errors.tools} />
      <ApprovalPicker
        tools={form.tools}
        approvals={form.approvalTools}
        onChange={(approvalTools) => set({ approvalTools })}
      />
      <label className="field">
        <span>At max iterations</span>
        <select
          value={form.onMaxIterations}
          onChange={(e) => set({ onMaxIterations: e.target.value as AgentFormState["onMaxIterations"] })}
        >
          <option value="fail">fail clearly</option>
          <option value="best_answer">return the best answer so far</option>
        </select>
      </label>
      <MemoryFields
        value={form.memory}
        onChange={(memory) => set({ memory })}
        errors={errors}
        providers={embeddingProviders}
      />
      {errors.form && (
        <p className="error-text" role="alert">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {agent ? "Save agent" : "Create agent"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
