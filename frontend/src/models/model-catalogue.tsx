import { type FormEvent, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { LlmModel, LlmProvider } from "../api/platform-types";
import { formatPrice } from "../lib/analytics";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";

function capabilityList(m: LlmModel): string[] {
  return Object.entries(m.capabilities)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
}

function PriceEditor({
  model,
  onSaved,
  onCancel,
}: {
  model: LlmModel;
  onSaved: (m: LlmModel) => void;
  onCancel: () => void;
}) {
  const [input, setInput] = useState(String(model.input_cost_per_1k));
  const [output, setOutput] = useState(String(model.output_cost_per_1k));
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const i = Number(input);
    const o = Number(output);
    if (input.trim() === "" || output.trim() === "" || !(i >= 0 && i <= 1000) || !(o >= 0 && o <= 1000)) {
      toast("error", "Prices are USD per 1k tokens, from 0 to 1000.");
      return;
    }
    setBusy(true);
    try {
      onSaved(await platformApi.updateModel(model.id, { input_cost_per_1k: i, output_cost_per_1k: o }));
      toast("success", `Prices of ${model.model_key} saved`);
    } catch (e) {
      toast("error", `Prices not saved: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <td>
        <input
          className="price-input"
          aria-label={`Input price of ${model.model_key}`}
          type="number"
          step="any"
          min={0}
          value={input}
          onChange={(e) => setInput(e.target.value)}
        />
      </td>
      <td>
        <input
          className="price-input"
          aria-label={`Output price of ${model.model_key}`}
          type="number"
          step="any"
          min={0}
          value={output}
          onChange={(e) => setOutput(e.target.value)}
        />
      </td>
      <td colSpan={2}>
        <div className="actions">
          <button type="button" className="primary" onClick={() => void save()} disabled={busy}>
            Save
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </td>
    </>
  );
}

/** Add a model a provider serves (its key as the provider names it, prices per 1k tokens). */
function AddModel({ onAdded }: { onAdded: () => void }) {
  const providers = useLoad<LlmProvider[]>(platformApi.providers);
  const own = (providers.data ?? []).filter((p) => !p.shared);
  const [providerId, setProviderId] = useState("");
  const [key, setKey] = useState("");
  const [input, setInput] = useState("0");
  const [output, setOutput] = useState("0");
  const [context, setContext] = useState("128000");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const provider = providerId || own[0]?.id;
    if (!provider) return setError("add a provider first (below)");
    if (!key.trim()) return setError("model key: required");
    try {
      await platformApi.createModel({
        provider_id: provider,
        model_key: key.trim(),
        input_cost_per_1k: input || "0",
        output_cost_per_1k: output || "0",
        context_length: Number(context) || undefined,
      });
      toast("success", `Model ${key.trim()} added`);
      setKey("");
      setError(null);
      onAdded();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add model">
      <label className="field">
        <span>Provider</span>
        <select value={providerId} onChange={(e) => setProviderId(e.target.value)}>
          {own.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Model key</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} placeholder="llama3.1:8b" />
      </label>
      <label className="field">
        <span>Input $ / 1k</span>
        <input className="price-input" value={input} onChange={(e) => setInput(e.target.value)} inputMode="decimal" />
      </label>
      <label className="field">
        <span>Output $ / 1k</span>
        <input className="price-input" value={output} onChange={(e) => setOutput(e.target.value)} inputMode="decimal" />
      </label>
      <label className="field">
        <span>Context (tokens)</span>
        <input
          className="price-input"
          value={context}
          onChange={(e) => setContext(e.target.value)}
          inputMode="numeric"
        />
      </label>
      <button type="submit" className="primary">
        Add model
      </button>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** The model catalogue with prices per 1k tokens and capabilities; prices editable in place. */
export function ModelCatalogue({
  models,
  error,
  loading,
  onChanged,
  version,
}: {
  models: LlmModel[] | null;
  error: unknown;
  loading: boolean;
  onChanged: () => void;
  /** Bumped when providers change, so "Add model" lists them again. */
  version: number;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const shown = (models ?? []).filter((m) =>
    `${m.provider} ${m.model_key} ${m.display_name}`.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  return (
    <section className="panel" aria-label="Model catalogue">
      <div className="section-head">
        <h2>Model catalogue</h2>
        <input
          placeholder="Filter models"
          aria-label="Filter models"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      <SectionState what="The model catalogue" error={error} loading={loading && !models} />
      {models && models.length === 0 && <p className="muted">No models yet.</p>}
      {shown.length > 0 && (
        <table className="table compact" data-testid="models-table">
          <thead>
            <tr>
              <th>Provider</th>
              <th>Model</th>
              <th>Context</th>
              <th>Input / 1k</th>
              <th>Output / 1k</th>
              <th>Capabilities</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={m.id} data-testid="model-row" data-model-key={m.model_key}>
                <td>{m.provider}</td>
                <td>
                  <code>{m.model_key}</code>
                  {m.is_recommended && <span className="tag">recommended</span>}
                  {m.display_name && m.display_name !== m.model_key && (
                    <div className="muted small">{m.display_name}</div>
                  )}
                </td>
                <td>{m.context_length.toLocaleString()}</td>
                {editing === m.id ? (
                  <PriceEditor
                    model={m}
                    onCancel={() => setEditing(null)}
                    onSaved={() => {
                      setEditing(null);
                      onChanged();
                    }}
                  />
                ) : (
                  <>
                    <td data-testid="input-price">{formatPrice(m.input_cost_per_1k)}</td>
                    <td data-testid="output-price">{formatPrice(m.output_cost_per_1k)}</td>
                    <td>
                      {capabilityList(m).map((c) => (
                        <span key={c} className="tag">
                          {c}
                        </span>
                      ))}
                    </td>
                    <td>
                      <button
                        type="button"
                        onClick={() => setEditing(m.id)}
                        aria-label={`Edit prices of ${m.model_key}`}
                      >
                        Edit prices
                      </button>
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddModel key={version} onAdded={onChanged} />
    </section>
  );
}
