import { type FormEvent, useCallback, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { Agent, AgentSession, MemoryItem, MemoryStrategy, SessionWindow } from "../api/platform-types";
import { formatTime, toJsonText } from "../runs/format";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";

const KINDS = ["episodic", "semantic", "note", "summary"] as const;

/** Delete one memory of `agent`, then `reload`; failures become a toast. */
async function forget(agent: Agent, memory: MemoryItem, reload: () => void): Promise<void> {
  try {
    await platformApi.deleteMemory(agent.id, memory.id);
    reload();
  } catch (e) {
    toast("error", `Delete failed: ${errorText(e)}`);
  }
}

/** Core facts: always in the agent's system prompt. Edit, add and delete them in place. */
function CoreFacts({ agent }: { agent: Agent }) {
  const fetcher = useCallback(() => platformApi.memories(agent.id, { kind: "core", limit: 500 }), [agent.id]);
  const { data, error, loading, reload } = useLoad<MemoryItem[]>(fetcher);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const save = async (factKey: string, content: string) => {
    try {
      await platformApi.addMemory(agent.id, { kind: "core", key: factKey, content });
      setDrafts((d) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== factKey)));
      reload();
    } catch (e) {
      toast("error", `Saving ${factKey} failed: ${errorText(e)}`);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim() || !value.trim()) return;
    await save(key.trim(), value.trim());
    setKey("");
    setValue("");
  };
  return (
    <section className="result-block" aria-label="Core facts">
      <h3>Core facts</h3>
      <p className="muted small">Always placed in the agent's system prompt.</p>
      <SectionState what="Core facts" error={error} loading={loading && !data} />
      {data && data.length === 0 && <p className="muted small">No core facts yet.</p>}
      {data && data.length > 0 && (
        <table className="table compact" data-testid="core-facts">
          <tbody>
            {data.map((fact) => {
              const factKey = fact.key ?? "";
              const draft = drafts[factKey] ?? fact.content;
              return (
                <tr key={fact.id} data-testid="core-fact">
                  <td>
                    <code>{factKey}</code>
                  </td>
                  <td>
                    <input
                      aria-label={`Value of ${factKey}`}
                      value={draft}
                      onChange={(e) => setDrafts((d) => ({ ...d, [factKey]: e.target.value }))}
                    />
                  </td>
                  <td>
                    <button type="button" disabled={draft === fact.content} onClick={() => void save(factKey, draft)}>
                      Save
                    </button>{" "}
                    <button type="button" className="danger" onClick={() => void forget(agent, fact, reload)}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form className="field-row" onSubmit={add} aria-label="Add core fact">
        <label className="field">
          <span>Key</span>
          <input value={key} onChange={(e) => setKey(e.target.value)} maxLength={200} />
        </label>
        <label className="field">
          <span>Value</span>
          <input value={value} onChange={(e) => setValue(e.target.value)} maxLength={10_000} />
        </label>
        <button type="submit">Add fact</button>
      </form>
    </section>
  );
}

/** Long-term memories: browse newest first, or search them by meaning, keywords and recency. */
function LongTerm({ agent }: { agent: Agent }) {
  const [kind, setKind] = useState("");
  const [text, setText] = useState("");
  const [strategy, setStrategy] = useState<MemoryStrategy>("fused");
  const [asked, setAsked] = useState({ kind: "", query: "", strategy: "fused" as MemoryStrategy, tick: 0 });
  const fetcher = useCallback(
    () =>
      platformApi.memories(agent.id, {
        kind: asked.kind || undefined,
        query: asked.query || undefined,
        strategy: asked.query ? asked.strategy : undefined,
        limit: 50,
      }),
    [agent.id, asked],
  );
  const { data, error, loading, reload } = useLoad<MemoryItem[]>(fetcher);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setAsked((a) => ({ kind, query: text.trim(), strategy, tick: a.tick + 1 }));
  };
  const remove = (m: MemoryItem) => {
    if (window.confirm("Delete this memory?")) void forget(agent, m, reload);
  };
  const shown = data?.filter((m) => m.kind !== "core");
  return (
    <section className="result-block" aria-label="Memories">
      <h3>Memories</h3>
      <form className="field-row" onSubmit={search} aria-label="Search memories">
        <label className="field">
          <span>Search</span>
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="empty: newest first" />
        </label>
        <label className="field">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">all</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Strategy</span>
          <select value={strategy} onChange={(e) => setStrategy(e.target.value as MemoryStrategy)}>
            <option value="fused">fused</option>
            <option value="vector">vector</option>
            <option value="keyword">keyword</option>
            <option value="recency">recency</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <SectionState what="Memories" error={error} loading={loading && !data} />
      {shown && shown.length === 0 && <p className="muted small">No memories found.</p>}
      {shown && shown.length > 0 && (
        <table className="table compact" data-testid="memories">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Memory</th>
              <th>Found by</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={m.id} data-testid="memory-row">
                <td>{m.kind}</td>
                <td className="memory-content">{m.content}</td>
                <td>
                  {m.strategy ? (
                    <span title={m.matched_by?.join(" + ")}>
                      {m.strategy} {m.score !== undefined ? m.score.toFixed(3) : ""}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>{formatTime(m.occurred_at)}</td>
                <td>
                  <button type="button" className="danger" onClick={() => remove(m)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Sessions: the conversations that runs with a `session_id` continue, and their windows. */
function Sessions({ agent }: { agent: Agent }) {
  const fetcher = useCallback(() => platformApi.sessions(agent.id), [agent.id]);
  const { data, error, loading } = useLoad<AgentSession[]>(fetcher);
  const [open, setOpen] = useState<SessionWindow | null>(null);
  const show = async (sessionId: string) => {
    try {
      setOpen(await platformApi.session(agent.id, sessionId));
    } catch (e) {
      toast("error", `Loading the session failed: ${errorText(e)}`);
    }
  };
  return (
    <section className="result-block" aria-label="Sessions">
      <h3>Sessions</h3>
      <SectionState what="Sessions" error={error} loading={loading && !data} />
      {data && data.length === 0 && <p className="muted small">No sessions yet: run the agent with a session id.</p>}
      {data && data.length > 0 && (
        <ul className="plain-list" data-testid="sessions">
          {data.map((s) => (
            <li key={s.session_id}>
              <button type="button" className="link-button" onClick={() => void show(s.session_id)}>
                {s.session_id}
              </button>{" "}
              <span className="muted small">
                {s.messages} messages{s.updated_at ? ` · ${formatTime(s.updated_at)}` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
      {open && (
        <div data-testid="session-window">
          <p className="muted small">
            {open.session_id}: the last {open.window} messages ({open.backend})
          </p>
          <ol className="session-messages">
            {open.messages.map((m, i) => (
              <li key={i}>
                <strong>{m.role}</strong>{" "}
                {typeof m.content === "string" ? m.content : toJsonText(m.content ?? m.tool_calls)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

/** The Memory tab of an agent: core facts, long-term memories and sessions. */
export function AgentMemory({ agent }: { agent: Agent }) {
  const longTerm = Boolean(agent.memory_schema.long_backend);
  return (
    <section className="panel" aria-label="Agent memory">
      <h2>Memory of {agent.name}</h2>
      <CoreFacts agent={agent} />
      {longTerm ? (
        <LongTerm agent={agent} />
      ) : (
        <p className="muted small" data-testid="long-term-off">
          Long-term memory is off: set <code>"long_backend": "postgres"</code> in the memory schema to keep episodes and
          search them.
        </p>
      )}
      <Sessions agent={agent} />
    </section>
  );
}
