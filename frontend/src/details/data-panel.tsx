import { type DragEvent, Fragment, type ReactNode, useMemo, useState } from "react";
import { cellText, dataFields, filterFields, tableOf } from "../lib/data-view";

/** One value shown in a panel, with the template expression that reaches it. */
export interface DataRoot {
  label: string;
  expr: string;
  value: unknown;
}

type View = "table" | "json" | "schema";

/** Drag payload: the expression as a template, which text fields take as they are. */
function onDragField(e: DragEvent, expr: string) {
  e.dataTransfer.setData("text/plain", `{{ ${expr} }}`);
  e.dataTransfer.effectAllowed = "copy";
}

function Highlight({ text, query }: { text: string; query: string }) {
  const q = query.trim();
  if (!q) return <>{text}</>;
  const parts = text.split(new RegExp(`(${q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`, "gi"));
  return <>{parts.map((p, i) => (i % 2 ? <mark key={i}>{p}</mark> : <Fragment key={i}>{p}</Fragment>))}</>;
}

function SchemaView({ roots, query, draggable }: { roots: DataRoot[]; query: string; draggable: boolean }) {
  const fields = useMemo(
    () => roots.flatMap((r) => filterFields(dataFields(r.value, r.expr, { limit: 400 }), query)),
    [roots, query],
  );
  if (!fields.length) return <p className="muted small">No field matches.</p>;
  return (
    <ul className="schema-view">
      {fields.map((f) => (
        <li
          key={f.expr}
          style={{ paddingLeft: f.depth * 14 }}
          draggable={draggable}
          onDragStart={draggable ? (e) => onDragField(e, f.expr) : undefined}
          title={draggable ? `Drag into a parameter: {{ ${f.expr} }}` : f.expr}
          data-expr={f.expr}
        >
          <span className="schema-key">
            <Highlight text={f.depth === 0 ? f.expr : f.key} query={query} />
          </span>
          <span className={`schema-type type-${f.type}`}>{f.type}</span>
          {f.depth > 0 && (
            <span className="schema-preview">
              <Highlight text={f.preview} query={query} />
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function TableView({ roots, query, draggable }: { roots: DataRoot[]; query: string; draggable: boolean }) {
  const q = query.trim().toLowerCase();
  return (
    <>
      {roots.map((r) => {
        const table = tableOf(r.value, r.expr);
        const rows = q
          ? table.rows.filter((row) => row.cells.some((c) => cellText(c.value).toLowerCase().includes(q)))
          : table.rows;
        return (
          <section key={r.expr} className="table-view">
            {roots.length > 1 && <h4>{r.label}</h4>}
            <table className="table compact">
              <thead>
                <tr>
                  {table.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.expr}>
                    {row.cells.map((cell, i) => (
                      <td
                        key={i}
                        draggable={draggable}
                        onDragStart={draggable ? (e) => onDragField(e, cell.expr) : undefined}
                        title={cell.expr}
                      >
                        <Highlight text={cellText(cell.value)} query={query} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </>
  );
}

function JsonView({ roots, query }: { roots: DataRoot[]; query: string }) {
  return (
    <>
      {roots.map((r) => (
        <section key={r.expr}>
          {roots.length > 1 && <h4>{r.label}</h4>}
          <pre className="json-view">
            <Highlight text={JSON.stringify(r.value, null, 2) ?? "null"} query={query} />
          </pre>
        </section>
      ))}
    </>
  );
}

interface Props {
  title: string;
  roots: DataRoot[];
  /** Shown instead of the data when there is none. */
  empty: ReactNode;
  /** Fields can be dragged into parameters as `{{ expression }}`. */
  draggable?: boolean;
  /** Buttons in the panel's head (pin, execute). */
  actions?: ReactNode;
  testId: string;
}

/** A node details column: data as Table, JSON or Schema, with search. */
export function DataPanel({ title, roots, empty, draggable = false, actions, testId }: Props) {
  const [view, setView] = useState<View>("schema");
  const [query, setQuery] = useState("");
  return (
    <section className="details-column" aria-label={title} data-testid={testId}>
      <header className="details-column-head">
        <h3>{title}</h3>
        {actions}
      </header>
      <div className="details-controls">
        <div className="tabs compact" role="tablist" aria-label={`${title} view`}>
          {(["table", "json", "schema"] as const).map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => setView(v)}>
              {v === "json" ? "JSON" : v[0].toUpperCase() + v.slice(1)}
            </button>
          ))}
        </div>
        <input
          type="search"
          aria-label={`Search ${title.toLowerCase()}`}
          placeholder="Search…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <div className="details-data">
        {roots.length === 0 ? (
          empty
        ) : view === "schema" ? (
          <SchemaView roots={roots} query={query} draggable={draggable} />
        ) : view === "table" ? (
          <TableView roots={roots} query={query} draggable={draggable} />
        ) : (
          <JsonView roots={roots} query={query} />
        )}
      </div>
    </section>
  );
}
