import { type FormEvent, useCallback, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { Agent, AgentAnswer, AgentQueued, AgentRunMode, AgentRunRow } from "../api/platform-types";
import { formatCost, formatTime, toJsonText } from "../runs/format";
import { TraceTree } from "../runs/trace-tree";
import { Link } from "../ui/link";
import { SectionState } from "../ui/section-state";
import { useLoad } from "../ui/use-load";

function isQueued(r: AgentAnswer | AgentQueued): r is AgentQueued {
  return r.mode === "queue";
}

function text(value: unknown): string {
  return typeof value === "string" ? value : toJsonText(value);
}

function Answer({ answer }: { answer: AgentAnswer }) {
  const error =
    answer.error && typeof answer.error === "object" ? (answer.error as { message?: string }).message : answer.error;
  return (
    <div className="agent-answer" data-testid="agent-answer">
      <p>
        <span className={`status-badge status-${answer.status}`}>{answer.status}</span>{" "}
        <span className="muted">
          {answer.mode} · {answer.iterations ?? "?"} iterations ·{" "}
          {(answer.input_tokens ?? 0) + (answer.output_tokens ?? 0)} tokens · {formatCost(answer.cost_usd)}
        </span>{" "}
        {answer.run_id && <Link to={`/runs/${encodeURIComponent(answer.run_id)}`}>open run</Link>}
      </p>
      {answer.pause_reason && <p className="notice">Paused: {answer.pause_reason}</p>}
      {error !== null && error !== undefined && error !== "" && <p className="error-text">{text(error)}</p>}
      {answer.answer !== undefined && answer.answer !== null && (
        <section className="result-block">
          <h3>Answer</h3>
          <pre className="answer-text">{text(answer.answer)}</pre>
        </section>
      )}
      {answer.result !== undefined && answer.result !== null && (
        <details>
          <summary>Structured result</summary>
          <pre>{toJsonText(answer.result)}</pre>
        </details>
      )}
      <section className="result-block">
        <h3>Steps</h3>
        <TraceTree tree={answer.steps} emptyText="The agent answered without any step." />
      </section>
    </div>
  );
}

function RecentRuns({ agent, version }: { agent: Agent; version: number }) {
  const fetcher = useCallback(() => platformApi.agentRuns(agent.id, 10), [agent.id, version]);
  const { data, error, loading } = useLoad<AgentRunRow[]>(fetcher);
  return (
    <section className="result-block">
      <h3>Recent runs</h3>
      <SectionState what="Agent runs" error={error} loading={loading && !data} />
      {data && data.length === 0 && <p className="muted small">No runs yet.</p>}
      {data && data.length > 0 && (
        <table className="table compact">
          <tbody>
            {data.map((r) => (
              <tr key={r.id}>
                <td>
                  <span className={`status-badge status-${r.status}`}>{r.status}</span>
                </td>
                <td>{r.mode}</td>
                <td className="goal-cell" title={r.goal}>
                  {r.goal}
                </td>
                <td>{formatCost(r.cost_usd)}</td>
                <td>{formatTime(r.created_at)}</td>
                <td>{r.run_id && <Link to={`/runs/${encodeURIComponent(r.run_id)}`}>run</Link>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Run an agent with a goal in direct, tracked or queue mode and show the answer, steps and cost. */
export function AgentRun({ agent, onRan }: { agent: Agent; onRan?: () => void }) {
  const [goal, setGoal] = useState("");
  const [mode, setMode] = useState<AgentRunMode>("direct");
  const [budget, setBudget] = useState("");
  const [sessionId, setSessionId] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<AgentAnswer | AgentQueued | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!goal.trim()) return setError("Write a goal for the agent.");
    const budgetUsd = budget.trim() ? Number(budget) : undefined;
    if (budgetUsd !== undefined && !(budgetUsd >= 0)) return setError("Budget: a number of USD, 0 or more.");
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const session = sessionId.trim() || undefined;
      setResult(
        await platformApi.runAgent(agent.id, { goal: goal.trim(), mode, budget_usd: budgetUsd, session_id: session }),
      );
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
      setVersion((v) => v + 1);
      onRan?.();
    }
  };
  return (
    <section className="panel" aria-label="Run agent">
      <h2>Run {agent.name}</h2>
      <form onSubmit={submit} className="agent-run-form">
        <label className="field">
          <span>Goal</span>
          <textarea rows={3} value={goal} onChange={(e) => setGoal(e.target.value)} maxLength={100_000} />
        </label>
        <div className="field-row">
          <label className="field">
            <span>Mode</span>
            <select value={mode} onChange={(e) => setMode(e.target.value as AgentRunMode)}>
              <option value="direct">direct (answer now, nothing kept)</option>
              <option value="tracked">tracked (answer now, run kept)</option>
              <option value="queue">queue (on a worker)</option>
            </select>
          </label>
          <label className="field">
            <span>Session (optional)</span>
            <input value={sessionId} onChange={(e) => setSessionId(e.target.value)} maxLength={200} />
          </label>
          <label className="field">
            <span>Budget USD (optional)</span>
            <input type="number" min={0} step="any" value={budget} onChange={(e) => setBudget(e.target.value)} />
          </label>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Running…" : "Run agent"}
        </button>
      </form>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {result && isQueued(result) && (
        <p data-testid="agent-queued">
          Queued as run <code>{result.run_id.slice(0, 8)}</code> ({result.status}).{" "}
          <Link to={`/runs/${encodeURIComponent(result.run_id)}`}>Follow it live</Link>
        </p>
      )}
      {result && !isQueued(result) && <Answer answer={result} />}
      <RecentRuns agent={agent} version={version} />
    </section>
  );
}
