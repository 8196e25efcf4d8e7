import { type FormEvent, useState } from "react";
import { api, ApiError } from "../api/client";
import type { Me } from "../api/types";

/** Sign-in form: checks the API key with `GET /api/me` before keeping it. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string, me: Me) => void; notice?: string }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError("Enter your API key.");
    setBusy(true);
    setError(null);
    try {
      onSignedIn(trimmed, await api.me(trimmed));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? "This API key was not accepted."
          : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card" method="post" action="#">
        <h1>Kyra Flow</h1>
        <p className="muted">
          Sign in with the API key printed by <code>make run</code> (or <code>KYRA_ADMIN_API_KEY</code>).
        </p>
        {notice && <p className="notice">{notice}</p>}
        <label className="field">
          <span>API key</span>
          <input
            type="password"
            autoComplete="current-password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            autoFocus
          />
        </label>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
