import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, ApiError } from "../api/client";
import type { Me } from "../api/types";

/** Trade the one-time code an OpenID Connect sign-in came back with for an API key. */
async function ssoKey(code: string): Promise<string> {
  const resp = await fetch("/auth/oidc/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
    credentials: "same-origin",
  });
  if (!resp.ok) throw new Error("the sign-in code was not accepted; start again");
  const body = (await resp.json()) as { api_key: string };
  return body.api_key;
}

/** Sign-in form: checks the API key with `GET /api/me` before keeping it; offers single sign-on
 *  when the server has an OpenID Connect provider. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string, me: Me) => void; notice?: string }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ssoEnabled, setSsoEnabled] = useState(false);
  const signedIn = useRef(onSignedIn);
  signedIn.current = onSignedIn;
  useEffect(() => {
    fetch("/auth/oidc")
      .then((r) => (r.ok ? (r.json() as Promise<{ enabled: boolean }>) : { enabled: false }))
      .then((s) => setSsoEnabled(s.enabled))
      .catch(() => setSsoEnabled(false));
    const params = new URLSearchParams(window.location.search);
    const code = params.get("sso");
    const failure = params.get("sso_error");
    if (!code && !failure) return;
    window.history.replaceState(null, "", window.location.pathname);
    if (failure) {
      setError(`Single sign-on failed: ${failure}`);
      return;
    }
    setBusy(true);
    ssoKey(code ?? "")
      .then(async (apiKey) => signedIn.current(apiKey, await api.me(apiKey)))
      .catch((err: unknown) => setError(`Single sign-on failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => setBusy(false));
  }, []);
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
        {ssoEnabled && (
          <p>
            <a className="button" href="/auth/oidc/login">
              Sign in with single sign-on
            </a>
          </p>
        )}
      </form>
    </main>
  );
}
