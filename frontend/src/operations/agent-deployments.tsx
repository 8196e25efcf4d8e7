import { type FormEvent, useCallback, useState } from "react";
import { errorText } from "../api/platform";
import type { Agent } from "../api/platform-types";
import { formatTime } from "../runs/format";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { operationsApi } from "./operations-api";

/** An agent's chat deployments: deploy it to a Telegram bot in one step, list, remove. */
export function AgentDeployments({ agent }: { agent: Agent }) {
  const fetcher = useCallback(() => operationsApi.deployments(), []);
  const { data, error, loading, reload } = useLoad(fetcher);
  const [token, setToken] = useState("");
  const [publicUrl, setPublicUrl] = useState(() => window.location.origin);
  const [busy, setBusy] = useState(false);
  const mine = (data ?? []).filter((d) => d.agent_id === agent.id);

  const deploy = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const made = await operationsApi.deployAgent(agent.id, "telegram", {
        token: token.trim(),
        public_url: publicUrl.trim(),
      });
      toast("success", `${agent.name} answers on Telegram as @${made.config.bot_username ?? "your bot"}`);
      setToken("");
      reload();
    } catch (err) {
      toast("error", `Could not deploy: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    if (!window.confirm("Remove this deployment? The bot stops answering.")) return;
    try {
      await operationsApi.removeDeployment(id);
      reload();
    } catch (err) {
      toast("error", `Could not remove: ${errorText(err)}`);
    }
  };

  return (
    <section className="panel" aria-labelledby="deployments" data-testid="agent-deployments">
      <h3 id="deployments">Deployments</h3>
      <SectionState what="Deployments" error={error} loading={loading && !data} />
      {mine.length > 0 && (
        <ul className="plain-list">
          {mine.map((d) => (
            <li key={d.id} data-testid="deployment-row">
              {d.kind} {d.config.bot_username && <strong>@{d.config.bot_username}</strong>}{" "}
              <span className="muted small">since {formatTime(d.created_at)}</span>{" "}
              <button type="button" className="danger" onClick={() => void remove(d.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {data && mine.length === 0 && <p className="muted small">Not deployed to any chat.</p>}
      <form className="inline-form" onSubmit={deploy}>
        <label className="field">
          <span>Telegram bot token</span>
          <input
            aria-label="Telegram bot token"
            type="password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            required
          />
        </label>
        <label className="field">
          <span>Public URL of this server</span>
          <input
            aria-label="Public URL"
            type="url"
            value={publicUrl}
            onChange={(e) => setPublicUrl(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy || !token.trim()}>
          Deploy to Telegram
        </button>
      </form>
      <p className="muted small">Each chat is its own conversation; the token is stored as an encrypted credential.</p>
    </section>
  );
}
