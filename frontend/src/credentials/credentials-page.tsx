import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { Credential, CredentialFieldSpec, CredentialKindSpec, CredentialTest } from "../api/platform-types";
import { credentialPayload, type FieldValues, initialValues, visibleFields } from "../lib/credential-form";
import { formatTime } from "../runs/format";
import { toast } from "../ui/toasts";

function FieldInput({
  field,
  value,
  secretSet,
  onChange,
}: {
  field: CredentialFieldSpec;
  value: string;
  secretSet: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <label className="field">
      <span>
        {field.label}
        {field.required && !secretSet && <span aria-hidden="true"> *</span>}
      </span>
      {field.type === "choice" ? (
        <select aria-label={field.label} value={value} onChange={(e) => onChange(e.target.value)}>
          {field.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : (
        <input
          aria-label={field.label}
          type={field.secret ? "password" : field.type === "url" ? "url" : "text"}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={secretSet ? "•••••• (stored; leave empty to keep)" : field.placeholder}
          autoComplete={field.secret ? "new-password" : "off"}
          spellCheck={false}
        />
      )}
      {field.description && <small className="muted">{field.description}</small>}
    </label>
  );
}

/** Create a credential of a chosen kind, or edit one: a form generated from the kind's fields. */
function CredentialForm({
  kinds,
  editing,
  onSaved,
  onCancel,
}: {
  kinds: CredentialKindSpec[];
  editing: Credential | null;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [kindName, setKindName] = useState(editing?.kind ?? kinds[0]?.name ?? "");
  const kind = kinds.find((k) => k.name === kindName);
  const [name, setName] = useState(editing?.name ?? "");
  const [values, setValues] = useState<FieldValues>(() => (kind ? initialValues(kind, editing?.fields) : {}));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const chooseKind = (next: string) => {
    setKindName(next);
    const k = kinds.find((x) => x.name === next);
    setValues(k ? initialValues(k) : {});
    setError(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!kind) return setError("kind: choose one");
    if (!name.trim()) return setError("name: required");
    const payload = credentialPayload(kind, values, {
      editing: editing ? { stored: editing.fields, secretsSet: editing.secrets_set } : undefined,
    });
    if (!payload.ok) return setError(payload.error);
    setError(null);
    setBusy(true);
    try {
      if (editing) await platformApi.updateCredential(editing.id, { name: name.trim(), data: payload.data });
      else await platformApi.createCredential({ name: name.trim(), kind: kind.name, data: payload.data });
      toast("success", `Credential “${name.trim()}” saved`);
      // Secrets leave the page as soon as they are stored.
      setValues(initialValues(kind));
      if (!editing) setName("");
      onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel form-grid" onSubmit={submit} aria-label={editing ? "Edit credential" : "New credential"}>
      <h2>{editing ? `Edit “${editing.name}”` : "New credential"}</h2>
      <label className="field">
        <span>Kind</span>
        <select aria-label="Kind" value={kindName} onChange={(e) => chooseKind(e.target.value)} disabled={!!editing}>
          {kinds.map((k) => (
            <option key={k.name} value={k.name}>
              {k.title} ({k.name})
            </option>
          ))}
        </select>
      </label>
      {kind?.description && <p className="muted small">{kind.description}</p>}
      <label className="field">
        <span>
          Name<span aria-hidden="true"> *</span>
        </span>
        <input aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required />
      </label>
      {kind &&
        visibleFields(kind, values).map((f) => (
          <FieldInput
            key={f.name}
            field={f}
            value={values[f.name] ?? ""}
            secretSet={!!editing?.secrets_set.includes(f.name)}
            onChange={(v) => setValues((prev) => ({ ...prev, [f.name]: v }))}
          />
        ))}
      <p className="muted small">Secret fields are write-only: stored encrypted and never shown again.</p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !kind}>
          Save credential
        </button>
        {editing && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function CredentialRow({
  credential,
  kind,
  onEdit,
  onDeleted,
}: {
  credential: Credential;
  kind: CredentialKindSpec | undefined;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const [result, setResult] = useState<CredentialTest | null>(null);
  const [testing, setTesting] = useState(false);
  const test = async () => {
    setTesting(true);
    try {
      setResult(await platformApi.testCredential(credential.id));
    } catch (e) {
      setResult({ ok: false, message: errorText(e), status: null, account: null });
    } finally {
      setTesting(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the credential “${credential.name}”? Nodes that use it will fail.`)) return;
    try {
      await platformApi.deleteCredential(credential.id);
      onDeleted();
    } catch (e) {
      toast("error", `Delete failed: ${errorText(e)}`);
    }
  };
  return (
    <tr data-testid="credential-row">
      <td>{credential.name}</td>
      <td>
        {kind?.title ?? credential.kind} <code className="muted">{credential.kind}</code>
      </td>
      <td>{formatTime(credential.updated_at ?? credential.created_at)}</td>
      <td>
        {result && (
          <span
            className={result.ok ? "status-ok" : "error-text"}
            data-testid="credential-test-result"
            data-ok={String(result.ok)}
          >
            {result.message}
          </span>
        )}
      </td>
      <td>
        <div className="actions">
          {kind?.testable && (
            <button type="button" onClick={() => void test()} disabled={testing}>
              {testing ? "Testing…" : "Test"}
            </button>
          )}
          {kind && (
            <button type="button" onClick={onEdit}>
              Edit
            </button>
          )}
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

/** Credentials: list, test, create and edit (forms typed by kind; secrets write-only), delete. */
export function CredentialsPage() {
  const [items, setItems] = useState<Credential[] | null>(null);
  const [kinds, setKinds] = useState<CredentialKindSpec[]>([]);
  const [editing, setEditing] = useState<Credential | null>(null);
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
    platformApi.credentialKinds().then(setKinds, (e: unknown) => setError(errorText(e)));
    document.title = "Credentials · Kyra Flow";
  }, []);
  const byName = useMemo(() => new Map(kinds.map((k) => [k.name, k])), [kinds]);
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
                  <th>Updated</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <CredentialRow
                    key={c.id}
                    credential={c}
                    kind={byName.get(c.kind)}
                    onEdit={() => setEditing(c)}
                    onDeleted={() => {
                      if (editing?.id === c.id) setEditing(null);
                      reload();
                    }}
                  />
                ))}
              </tbody>
            </table>
          )}
        </section>
        {kinds.length > 0 && (
          <CredentialForm
            key={editing?.id ?? "new"}
            kinds={kinds}
            editing={editing}
            onSaved={() => {
              setEditing(null);
              reload();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </div>
    </main>
  );
}
