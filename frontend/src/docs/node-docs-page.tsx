import { useEffect, useMemo } from "react";
import { useCatalogue } from "../api/catalogue";
import { exampleNode, paramRows } from "../lib/node-docs";
import { openAsNewGraph } from "../templates/template-gallery";
import { TEMPLATES, templatesUsing } from "../templates/templates";
import { CopyButton } from "../ui/copy-button";
import { Link } from "../ui/link";

/** `/docs/nodes/<type>`: what a node does, its ports and parameters, and an example to start from. */
export function NodeDocsPage({ type }: { type: string }) {
  const { specs } = useCatalogue();
  const spec = specs.get(type);
  useEffect(() => {
    document.title = `${spec?.title ?? type} · Docs · Kyra Flow`;
  }, [spec, type]);
  const usedIn = useMemo(() => templatesUsing(type), [type]);
  const example = useMemo(
    () =>
      spec
        ? exampleNode(
            spec,
            [...usedIn, ...TEMPLATES].map((t) => t.document),
          )
        : null,
    [spec, usedIn],
  );
  if (specs.size === 0) return <p className="page-message">Loading…</p>;
  if (!spec || !example)
    return (
      <main className="page">
        <h1>No node type “{type}”</h1>
        <p>
          Node types are named <code>Category.action</code>. <Link to="/graphs/new">Open the editor</Link> and press Tab
          to search them.
        </p>
      </main>
    );
  const rows = paramRows(spec);
  const exampleText = JSON.stringify(example.node, null, 2);
  return (
    <main className="page node-docs" aria-label={`${spec.title} documentation`}>
      <p className="muted small">
        <Link to="/">Graphs</Link> › Node reference › {spec.category}
      </p>
      <h1>{spec.title}</h1>
      <p>
        <code>{spec.type}</code>
        {spec.trigger && <span className="badge">trigger</span>}
        {spec.tool && !spec.trigger && <span className="badge">agent tool</span>}
      </p>
      <p className="lead">{spec.description}</p>
      <section className="panel" aria-label="Ports">
        <h2>Ports</h2>
        <p>
          In: {spec.inputs.length ? spec.inputs.map((p) => p.name).join(", ") : "none (starts runs)"} · Out:{" "}
          {spec.dynamic_outputs ? "computed from its parameters" : spec.outputs.map((p) => p.name).join(", ")}
          {!spec.trigger && " (and error, when the node is set to route its failures)"}
        </p>
        {spec.credentials.length > 0 && (
          <p>
            Credentials: {spec.credentials.map((c) => `${c.kind}${c.required ? "" : " (optional)"}`).join(", ")}.{" "}
            <Link to="/credentials">Add one on the Credentials page</Link>.
          </p>
        )}
      </section>
      <section className="panel" aria-label="Parameters">
        <h2>Parameters</h2>
        {rows.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>Type</th>
                <th>Default</th>
                <th>What it does</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name}>
                  <td>
                    {r.label}
                    {r.required && <span aria-label="required"> *</span>} <code className="muted small">{r.name}</code>
                  </td>
                  <td>
                    <code>{r.type}</code>
                  </td>
                  <td>{r.default === undefined ? "" : <code>{JSON.stringify(r.default)}</code>}</td>
                  <td>{r.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted small">
          Text parameters take templates such as <code>{"{{ trigger.body.name }}"}</code> or{" "}
          <code>{"{{ nodes.<id>.output }}"}</code>; the editor completes them from real data.
        </p>
      </section>
      <section className="panel" aria-label="Example">
        <h2>Example</h2>
        <p className="muted small">
          {example.from ? `As the “${example.from}” template uses it.` : "The required parameters, to start from."}{" "}
          Paste it on a canvas (Ctrl+V) to add the node.
        </p>
        <pre className="code-block" data-testid="node-example">
          {exampleText}
        </pre>
        <CopyButton text={exampleText} label="Copy example" />
      </section>
      {usedIn.length > 0 && (
        <section className="panel" aria-label="Templates using this node">
          <h2>Templates using it</h2>
          <ul>
            {usedIn.map((t) => (
              <li key={t.id}>
                <button type="button" className="link" onClick={() => void openAsNewGraph(t)}>
                  {t.name}
                </button>{" "}
                <span className="muted small">{t.description}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
