import { type FormEvent, useCallback, useState } from "react";
import { errorText } from "../api/platform";
import type { Me } from "../api/types";
import { formatTime } from "../runs/format";
import { CopyButton } from "../ui/copy-button";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { operationsApi, type Role } from "./operations-api";

/** A secret shown once, with a copy button and a warning that it will not be shown again. */
function ShownOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  return (
    <div className="panel shown-once" role="status" data-testid="shown-once">
      <p>
        <strong>{label}</strong> — copy it now, it is not shown again:
      </p>
      <p>
        <code data-testid="new-secret">{secret}</code> <CopyButton text={secret} />
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function MyKeys() {
  const fetcher = useCallback(() => operationsApi.keys(), []);
  const { data: keys, error, loading, reload } = useLoad(fetcher);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const made = await operationsApi.createKey(name.trim());
      setCreated(made.key);
      setName("");
      reload();
    } catch (err) {
      toast("error", `Could not create the key: ${errorText(err)}`);
    }
  };
  const revoke = async (id: string, keyName: string) => {
    if (!window.confirm(`Revoke the key "${keyName}"? Programs using it stop working.`)) return;
    try {
      await operationsApi.revokeKey(id);
      reload();
    } catch (err) {
      toast("error", `Could not revoke the key: ${errorText(err)}`);
    }
  };

  return (
    <section aria-labelledby="my-keys">
      <h2 id="my-keys">My API keys</h2>
      <form className="inline-form" onSubmit={create}>
        <label className="field">
          <span>Key name</span>
          <input
            aria-label="Key name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
          />
        </label>
        <button type="submit" disabled={!name.trim()}>
          Create key
        </button>
      </form>
      {created && <ShownOnce label="New API key" secret={created} onDone={() => setCreated(null)} />}
      <SectionState what="API keys" error={error} loading={loading && !keys} />
      {keys && (
        <table className="table" data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Starts with</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="key-row" className={k.revoked_at ? "muted" : undefined}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{formatTime(k.created_at)}</td>
                <td>{k.last_used_at ? formatTime(k.last_used_at) : "never"}</td>
                <td>
                  {k.revoked_at ? (
                    `revoked ${formatTime(k.revoked_at)}`
                  ) : (
                    <button type="button" className="danger" onClick={() => void revoke(k.id, k.name)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Users({ me }: { me: Me }) {
  const fetcher = useCallback(() => operationsApi.users(), []);
  const { data: users, error, loading, reload } = useLoad(fetcher);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const made = await operationsApi.createUser({ name: name.trim(), email: email.trim() || undefined, role });
      setCreated({ name: made.name, key: made.api_key });
      setName("");
      setEmail("");
      reload();
    } catch (err) {
      toast("error", `Could not create the user: ${errorText(err)}`);
    }
  };
  const setDisabled = async (id: string, disabled: boolean) => {
    try {
      await operationsApi.updateUser(id, { disabled });
      reload();
    } catch (err) {
      toast("error", errorText(err));
    }
  };

  return (
    <section aria-labelledby="users">
      <h2 id="users">Users</h2>
      <form className="inline-form" onSubmit={create}>
        <label className="field">
          <span>Name</span>
          <input
            aria-label="User name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
          />
        </label>
        <label className="field">
          <span>Email (optional)</span>
          <input aria-label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit" disabled={!name.trim()}>
          Create user
        </button>
      </form>
      {created && (
        <ShownOnce label={`API key of ${created.name}`} secret={created.key} onDone={() => setCreated(null)} />
      )}
      <SectionState what="Users" error={error} loading={loading && !users} />
      {users && (
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Created</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <td>{u.name}</td>
                <td>{u.email ?? <span className="muted">—</span>}</td>
                <td>{u.role}</td>
                <td>{formatTime(u.created_at)}</td>
                <td>
                  {u.id === me.user_id ? (
                    <span className="muted">you</span>
                  ) : (
                    <label className="toggle">
                      <input
                        type="checkbox"
                        aria-label={`${u.name} enabled`}
                        checked={!u.disabled}
                        onChange={(e) => void setDisabled(u.id, !e.target.checked)}
                      />{" "}
                      {u.disabled ? "disabled" : "active"}
                    </label>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Users & keys: everyone manages their own API keys; admins also create and disable users. */
export function TeamPage({ me }: { me: Me }) {
  return (
    <main className="page">
      <h1>Users &amp; keys</h1>
      <MyKeys />
      {me.is_admin && <Users me={me} />}
    </main>
  );
}
