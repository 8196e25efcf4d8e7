import { useEffect, useState } from "react";
import { errorText, platformApi } from "../api/platform";
import type { Agent } from "../api/platform-types";
import { formatCost } from "../runs/format";
import { Link } from "../ui/link";
import { navigate } from "../ui/router";
import { SectionState } from "../ui/section-state";
import { toast } from "../ui/toasts";
import { useLoad } from "../ui/use-load";
import { AgentForm } from "./agent-form";
import { AgentMemory } from "./agent-memory";
import { AgentRun } from "./agent-run";

type Tab = "run" | "memory";

function agentPath(a: Agent | null): string {
  return a ? `/agents/${encodeURIComponent(a.id)}` : "/agents";
}

/** Agents: list, create, edit, delete and run. `agentId` (from the URL) selects one, "new" a blank form. */
export function AgentsPage({ agentId }: { agentId: string | null }) {
  const { data: agents, error, loading, reload } = useLoad<Agent[]>(platformApi.agents);
  const [editing, setEditing] = useState(false);
  const [tab, setTab] = useState<Tab>("run");
  useEffect(() => {
    document.title = "Agents · Kyra Flow";
  }, []);
  useEffect(() => setEditing(false), [agentId]);
  const selected = agents?.find((a) => a.id === agentId || a.name === agentId) ?? null;
  const creating = agentId === "new";

  const remove = async (a: Agent) => {
    if (!window.confirm(`Delete the agent “${a.name}”?`)) return;
    try {
      await platformApi.deleteAgent(a.id);
      reload();
      navigate("/agents");
    } catch (e) {
      toast("error", `Delete failed: ${errorText(e)}`);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>Agents</h1>
        {agents && (
          <button type="button" className="primary" onClick={() => navigate("/agents/new")}>
            New agent
          </button>
        )}
      </div>
      <SectionState what="Agents" error={error} loading={loading && !agents} />
      {agents && (
        <div className="two-columns wide-right">
          <section>
            {agents.length === 0 && <p className="muted">No agents yet. Create one to give it tools and a goal.</p>}
            {agents.length > 0 && (
              <table className="table" data-testid="agents-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Model</th>
                    <th>Tools</th>
                    <th>Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {agents.map((a) => (
                    <tr key={a.id} className={a === selected ? "is-selected" : undefined} data-testid="agent-row">
                      <td>
                        <Link to={agentPath(a)}>{a.name}</Link>
                      </td>
                      <td>
                        <code>{a.model}</code>
                      </td>
                      <td>{a.tools.length}</td>
                      <td>{formatCost(a.total_cost)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section>
            {creating && (
              <AgentForm
                key="new"
                agent={null}
                agents={agents}
                onSaved={(a) => {
                  reload();
                  navigate(agentPath(a), true);
                }}
                onCancel={() => navigate("/agents")}
              />
            )}
            {!creating && agentId && !selected && <p role="alert">No agent {agentId}.</p>}
            {selected && editing && (
              <AgentForm
                key={selected.id}
                agent={selected}
                agents={agents}
                onSaved={() => {
                  reload();
                  setEditing(false);
                }}
                onCancel={() => setEditing(false)}
              />
            )}
            {selected && !editing && (
              <>
                <div className="panel agent-summary" data-testid="agent-summary">
                  <div className="section-head">
                    <h2>{selected.name}</h2>
                    <button type="button" onClick={() => setEditing(true)}>
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => void remove(selected)}>
                      Delete
                    </button>
                  </div>
                  <p className="muted small">
                    model <code>{selected.model}</code> · temperature {selected.temperature} · up to{" "}
                    {selected.max_iterations} iterations · {selected.total_input_tokens + selected.total_output_tokens}{" "}
                    tokens so far · {formatCost(selected.total_cost)}
                  </p>
                  {selected.default_prompt && <pre className="prompt">{selected.default_prompt}</pre>}
                  <p className="small">
                    Tools:{" "}
                    {selected.tools.length ? (
                      selected.tools.map((t) => (
                        <code key={t} className="tag">
                          {t}
                        </code>
                      ))
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </p>
                </div>
                <div role="tablist" aria-label="Agent views" className="tabs">
                  {(["run", "memory"] as const).map((t) => (
                    <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
                      {t === "run" ? "Run" : "Memory"}
                    </button>
                  ))}
                </div>
                {tab === "run" && <AgentRun key={selected.id} agent={selected} onRan={reload} />}
                {tab === "memory" && <AgentMemory key={selected.id} agent={selected} />}
              </>
            )}
            {!creating && !agentId && agents.length > 0 && <p className="muted">Choose an agent to run or edit it.</p>}
          </section>
        </div>
      )}
    </main>
  );
}
