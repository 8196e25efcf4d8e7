import { type FormEvent, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { LlmProvider, ProviderKind } from "../api/platform-types";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";

function CreateProvider({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ProviderKind>("openai");
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("name: required");
    if (kind === "openai_compatible" && !baseUrl.trim())
      return setError("base URL: required for an OpenAI-compatible provider");
    if (baseUrl.trim() && !/^https?:\/\//.test(baseUrl.trim()))
      return setError("base URL must start with http:// or https://");
    setBusy(true);
    setError(null);
    try {
      await platformApi.createProvider({
        name: name.trim(),
        kind,
        ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}),
        ...(apiKey ? { api_key: apiKey } : {}),
      });
      toast("success", `Provider “${name.trim()}” added`);
      setName("");
      setBaseUrl("");
      setApiKey("");
      onCreated();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="New provider">
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      </label>
      <label className="field">
        <span>Kind</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as ProviderKind)}>
          <option value="openai">OpenAI</option>
          <option value="anthropic">Anthropic</option>
          <option value="openai_compatible">OpenAI-compatible (Ollama, vLLM…)</option>
        </select>
      </label>
      <label className="field">
        <span>Base URL{kind === "openai_compatible" ? " *" : " (optional)"}</span>
        <input
          value={baseUrl}
          onChange={(e) => setBaseUrl(e.target.value)}
          placeholder="http://127.0.0.1:11434/v1"
          maxLength={500}
        />
      </label>
      <label className="field">
        <span>API key (write-only)</span>
        <input
          type="password"
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          autoComplete="new-password"
          maxLength={500}
        />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Add provider
      </button>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** LLM providers: list (keys never shown, only whether one is set) and add. */
export function ProvidersSection({ onChanged }: { onChanged: () => void }) {
  const { data, error, loading, reload } = useLoad<LlmProvider[]>(platformApi.providers);
  return (
    <section className="panel" aria-label="Providers">
      <h2>Providers</h2>
      <SectionState what="Providers" error={error} loading={loading && !data} />
      {data && (
        <table className="table compact" data-testid="providers-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Base URL</th>
              <th>API key</th>
              <th>Scope</th>
            </tr>
          </thead>
          <tbody>
            {data.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>
                  <code>{p.kind}</code>
                </td>
                <td>{p.base_url ?? <span className="muted">default</span>}</td>
                <td>{p.has_api_key ? "set" : <span className="muted">none</span>}</td>
                <td>{p.shared ? "shared" : "mine"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <CreateProvider
          onCreated={() => {
            reload();
            onChanged();
          }}
        />
      )}
    </section>
  );
}
