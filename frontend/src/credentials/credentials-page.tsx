import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type {
  Credential,
  CredentialFieldSpec,
  CredentialKindSpec,
  CredentialTest,
  OAuthProvider,
} from "../api/platform-types";
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

/** Send the browser to the provider to connect an OAuth2 credential (it comes back here). */
async function connect(credentialId: string): Promise<void> {
  const { authorize_url } = await platformApi.authorizeCredential(credentialId);
  window.location.assign(authorize_url);
}

function ProviderHint({ kind, provider }: { kind: CredentialKindSpec; provider: OAuthProvider | undefined }) {
  if (!kind.oauth2 || provider?.configured) return null;
  return (
    <p className="muted small" data-testid="oauth-not-configured">
      Connect needs an OAuth2 client for {provider?.title ?? kind.oauth2.provider}: an admin sets it with{" "}
      <code>PUT /api/oauth/providers/{kind.oauth2.provider}</code> (redirect URI{" "}
      <code>{provider?.redirect_uri ?? "/api/oauth/callback"}</code>). You can paste a token instead.
    </p>
  );
}

/** Create a credential of a chosen kind, or edit one: a form generated from the kind's fields. */
function CredentialForm({
  kinds,
  providers,
  editing,
  onSaved,
  onCancel,
}: {
  kinds: CredentialKindSpec[];
  providers: Map<string, OAuthProvider>;
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

  const provider = kind?.oauth2 ? providers.get(kind.oauth2.provider) : undefined;
  // A new OAuth2 credential without a pasted token is connected right after it is saved.
  const connectsOnSave = !editing && !!provider?.configured && !(values.access_token ?? "").trim();

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
      else {
        const created = await platformApi.createCredential({ name: name.trim(), kind: kind.name, data: payload.data });
        if (connectsOnSave) return await connect(created.id);
      }
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
      {kind && <ProviderHint kind={kind} provider={provider} />}
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
          {connectsOnSave ? "Save and connect" : "Save credential"}
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

function OAuthStatus({ credential }: { credential: Credential }) {
  if (credential.problem)
    return (
      <span className="error-text" data-testid="credential-problem">
        {credential.problem}
      </span>
    );
  if (!credential.oauth) return null;
  return (
    <span className={credential.oauth.connected ? "status-ok" : "muted"} data-testid="oauth-status">
      {credential.oauth.connected ? "Connected" : "Not connected"}
    </span>
  );
}

function CredentialRow({
  credential,
  kind,
  provider,
  onEdit,
  onDeleted,
}: {
  credential: Credential;
  kind: CredentialKindSpec | undefined;
  provider: OAuthProvider | undefined;
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
  const startConnect = async () => {
    try {
      await connect(credential.id);
    } catch (e) {
      toast("error", `Connect failed: ${errorText(e)}`);
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
        <OAuthStatus credential={credential} />{" "}
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
          {kind?.oauth2 && (
            <button
              type="button"
              onClick={() => void startConnect()}
              disabled={!provider?.configured}
              title={provider?.configured ? undefined : "No OAuth2 client is configured for this provider"}
            >
              {credential.oauth?.connected ? "Reconnect" : "Connect"}
            </button>
          )}
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
  const [providers, setProviders] = useState<Map<string, OAuthProvider>>(new Map());
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
    platformApi.oauthProviders().then(
      (list) => setProviders(new Map(list.map((p) => [p.name, p]))),
      () => setProviders(new Map()),
    );
    document.title = "Credentials · Kyra Flow";
    // Back from an OAuth2 provider: say how it went, then drop the query from the address.
    const query = new URLSearchParams(window.location.search);
    if (query.has("connected")) toast("success", "Credential connected");
    const failed = query.get("oauth_error");
    if (failed) toast("error", `Not connected: ${failed}`);
    if (query.has("connected") || failed) window.history.replaceState(null, "", "/credentials");
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
                    provider={providers.get(byName.get(c.kind)?.oauth2?.provider ?? "")}
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
            providers={providers}
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
