import type { ReactNode } from "react";
import type { RunRead } from "../api/types";
import { Link } from "../ui/link";
import { formatCost, formatDuration, formatTime } from "./format";

/** An extra column shown right after the run id (the graph on the all-runs page, the version on a graph's page). */
export interface RunsColumn {
  header: string;
  cell: (run: RunRead) => ReactNode;
}

/** Runs as a table: id (links to the run), one extra column, status, trigger, start, duration, cost. */
export function RunsTable({
  runs,
  column,
  testId,
  actions,
}: {
  runs: RunRead[];
  column: RunsColumn;
  testId: string;
  /** Buttons at the end of each row (retry, open in editor). */
  actions?: (run: RunRead) => ReactNode;
}) {
  return (
    <table className="table runs-table" data-testid={testId}>
      <thead>
        <tr>
          <th>Run</th>
          <th>{column.header}</th>
          <th>Status</th>
          <th>Trigger</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Cost</th>
          {actions && <th />}
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="run-row">
            <td data-label="Run">
              <Link to={`/runs/${encodeURIComponent(r.id)}`}>
                <code>{r.id.slice(0, 8)}</code>
              </Link>
            </td>
            <td data-label={column.header}>{column.cell(r)}</td>
            <td data-label="Status">
              <span className={`status-badge status-${r.status}`}>{r.status}</span>
            </td>
            <td data-label="Trigger">{r.trigger_kind}</td>
            <td data-label="Started">{formatTime(r.started_at ?? r.created_at)}</td>
            <td data-label="Duration">{formatDuration(r.duration_ms)}</td>
            <td data-label="Cost">{formatCost(r.cost_usd)}</td>
            {actions && <td className="row-actions">{actions(r)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Newer / Older buttons over a list shown `page` rows at a time from `offset`. */
export function Pager({
  offset,
  page,
  shown,
  onOffset,
}: {
  offset: number;
  page: number;
  /** Rows on screen (undefined while loading). */
  shown: number | undefined;
  onOffset: (offset: number) => void;
}) {
  return (
    <div className="pager">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - page))}>
        Newer
      </button>
      <button type="button" disabled={shown === undefined || shown < page} onClick={() => onOffset(offset + page)}>
        Older
      </button>
    </div>
  );
}
