import { type FormEvent, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { LlmProvider, ProviderKind, ProviderTest } from "../api/platform-types";
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

function ProviderRow({ provider, onChanged }: { provider: LlmProvider; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(provider.name);
  const [baseUrl, setBaseUrl] = useState(provider.base_url ?? "");
  const [apiKey, setApiKey] = useState("");
  const [forgetKey, setForgetKey] = useState(false);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ProviderTest | null>(null);

  const test = async () => {
    setTesting(true);
    try {
      setResult(await platformApi.testProvider(provider.id));
    } catch (e) {
      setResult({ ok: false, message: errorText(e), models: [] });
    } finally {
      setTesting(false);
    }
  };
  const save = async () => {
    try {
      await platformApi.updateProvider(provider.id, {
        ...(name.trim() !== provider.name ? { name: name.trim() } : {}),
        ...(baseUrl.trim() !== (provider.base_url ?? "") ? { base_url: baseUrl.trim() || null } : {}),
        ...(apiKey ? { api_key: apiKey } : {}),
        ...(forgetKey && !apiKey ? { clear_api_key: true } : {}),
      });
      toast("success", `Provider “${name.trim()}” saved`);
      setEditing(false);
      setApiKey("");
      onChanged();
    } catch (e) {
      toast("error", `Not saved: ${errorText(e)}`);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the provider “${provider.name}” and its models?`)) return;
    try {
      await platformApi.deleteProvider(provider.id);
      onChanged();
    } catch (e) {
      toast("error", `Delete failed: ${errorText(e)}`);
    }
  };

  return (
    <>
      <tr data-testid="provider-row" data-provider={provider.name}>
        {editing ? (
          <>
            <td>
              <input aria-label={`Name of ${provider.name}`} value={name} onChange={(e) => setName(e.target.value)} />
            </td>
            <td>
              <code>{provider.kind}</code>
            </td>
            <td>
              <input
                aria-label={`Base URL of ${provider.name}`}
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                placeholder="default"
              />
            </td>
            <td>
              <input
                type="password"
                aria-label={`New API key of ${provider.name}`}
                placeholder={provider.has_api_key ? "keep the current key" : "none"}
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                autoComplete="new-password"
              />
              {provider.has_api_key && (
                <label className="check small">
                  <input type="checkbox" checked={forgetKey} onChange={(e) => setForgetKey(e.target.checked)} /> forget
                  the key
                </label>
              )}
            </td>
          </>
        ) : (
          <>
            <td>{provider.name}</td>
            <td>
              <code>{provider.kind}</code>
            </td>
            <td>{provider.base_url ?? <span className="muted">default</span>}</td>
            <td>{provider.has_api_key ? "set" : <span className="muted">none</span>}</td>
          </>
        )}
        <td>{provider.shared ? "shared" : "mine"}</td>
        <td>
          <div className="actions">
            <button type="button" onClick={() => void test()} disabled={testing}>
              {testing ? "Testing…" : "Test"}
            </button>
            {!provider.shared &&
              (editing ? (
                <>
                  <button type="button" className="primary" onClick={() => void save()}>
                    Save
                  </button>
                  <button type="button" onClick={() => setEditing(false)}>
                    Cancel
                  </button>
                </>
              ) : (
                <>
                  <button type="button" onClick={() => setEditing(true)} aria-label={`Edit ${provider.name}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void remove()}
                    aria-label={`Delete ${provider.name}`}
                  >
                    Delete
                  </button>
                </>
              ))}
          </div>
        </td>
      </tr>
      {result && (
        <tr>
          <td colSpan={6}>
            <p
              className={result.ok ? "test-ok" : "error-text"}
              role={result.ok ? "status" : "alert"}
              data-testid="provider-test-result"
            >
              {result.ok ? "✓ " : "✗ "}
              {result.message}
              {result.models.length > 0 && (
                <span className="muted small"> — {result.models.slice(0, 8).join(", ")}</span>
              )}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}

/** LLM providers: list (keys never shown, only whether one is set), test, edit, delete and add. */
export function ProvidersSection({ onChanged }: { onChanged: () => void }) {
  const { data, error, loading, reload } = useLoad<LlmProvider[]>(platformApi.providers);
  const changed = () => {
    reload();
    onChanged();
  };
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
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((p) => (
              <ProviderRow key={p.id} provider={p} onChanged={changed} />
            ))}
          </tbody>
        </table>
      )}
      {data && <CreateProvider onCreated={changed} />}
    </section>
  );
}
