import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import { errorText, platformApi } from "../api/platform";
import type { Credential } from "../api/platform-types";
import { jsonToData, kindError, type KeyValueRow, rowsToData } from "../lib/secret-fields";
import { formatTime } from "../runs/format";
import { toast } from "../ui/toasts";

type Entry = "rows" | "json";

function SecretRows({ rows, onChange }: { rows: KeyValueRow[]; onChange: (rows: KeyValueRow[]) => void }) {
  const set = (i: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="kv-rows">
      {rows.map((r, i) => (
        <div className="kv-row" key={i}>
          <input
            aria-label={`Field name ${i + 1}`}
            placeholder="field (e.g. token)"
            value={r.key}
            onChange={(e) => set(i, { key: e.target.value })}
            autoComplete="off"
          />
          <input
            aria-label={`Field value ${i + 1}`}
            placeholder="secret value"
            type="password"
            value={r.value}
            onChange={(e) => set(i, { value: e.target.value })}
            autoComplete="new-password"
          />
          <button
            type="button"
            aria-label={`Remove field ${i + 1}`}
            onClick={() => onChange(rows.length > 1 ? rows.filter((_, j) => j !== i) : [{ key: "", value: "" }])}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        Add field
      </button>
    </div>
  );
}

function CreateCredential({ kinds, onCreated }: { kinds: string[]; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState("");
  const [entry, setEntry] = useState<Entry>("rows");
  const [rows, setRows] = useState<KeyValueRow[]>([{ key: "", value: "" }]);
  const [json, setJson] = useState("{\n  \n}");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError("name: required");
    const kErr = kindError(kind.trim());
    if (kErr) return setError(kErr);
    const parsed = entry === "rows" ? rowsToData(rows) : jsonToData(json);
    if (!parsed.ok) return setError(parsed.error);
    setError(null);
    setBusy(true);
    try {
      await platformApi.createCredential({ name: name.trim(), kind: kind.trim(), data: parsed.data });
      toast("success", `Credential “${name.trim()}” saved`);
      // The secret leaves the page as soon as it is stored.
      setName("");
      setRows([{ key: "", value: "" }]);
      setJson("{\n  \n}");
      onCreated();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-label="New credential">
      <h2>New credential</h2>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required />
      </label>
      <label className="field">
        <span>Kind</span>
        <input
          value={kind}
          onChange={(e) => setKind(e.target.value)}
          list="credential-kinds"
          placeholder="e.g. http_auth"
          required
        />
        <datalist id="credential-kinds">
          {kinds.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </label>
      <div className="field">
        <span>Secret fields (write-only: stored encrypted, never shown again)</span>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={entry === "rows"} onClick={() => setEntry("rows")}>
            Key / value
          </button>
          <button type="button" role="tab" aria-selected={entry === "json"} onClick={() => setEntry("json")}>
            JSON
          </button>
        </div>
        {entry === "rows" ? (
          <SecretRows rows={rows} onChange={setRows} />
        ) : (
          <textarea
            aria-label="Secret JSON"
            rows={6}
            value={json}
            onChange={(e) => setJson(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        )}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save credential
        </button>
      </div>
    </form>
  );
}

/** Credentials: list, create (secret fields write-only) and delete. */
export function CredentialsPage() {
  const { list } = useCatalogue();
  const [items, setItems] = useState<Credential[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    platformApi.credentials().then(
      (c) => {
        setItems(c);
        setError(null);
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);
  useEffect(reload, [reload]);
  useEffect(() => {
    document.title = "Credentials · Kyra Flow";
  }, []);
  const kinds = useMemo(() => [...new Set(list.flatMap((s) => s.credentials.map((c) => c.kind)))].sort(), [list]);
  const remove = async (c: Credential) => {
    if (!window.confirm(`Delete the credential “${c.name}”? Nodes that use it will fail.`)) return;
    try {
      await platformApi.deleteCredential(c.id);
      reload();
    } catch (e) {
      toast("error", `Delete failed: ${errorText(e)}`);
    }
  };
  return (
    <main className="page">
      <div className="page-head">
        <h1>Credentials</h1>
      </div>
      <div className="two-columns">
        <section>
          {error && <p role="alert">Could not list credentials: {error}</p>}
          {items && items.length === 0 && <p className="muted">No credentials yet.</p>}
          {items && items.length > 0 && (
            <table className="table" data-testid="credentials-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.id} data-testid="credential-row">
                    <td>{c.name}</td>
                    <td>
                      <code>{c.kind}</code>
                    </td>
                    <td>{formatTime(c.created_at)}</td>
                    <td>
                      <div className="actions">
                        <button type="button" className="danger" onClick={() => void remove(c)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <CreateCredential kinds={kinds} onCreated={reload} />
      </div>
    </main>
  );
}
