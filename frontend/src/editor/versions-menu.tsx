import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { GraphDocument, VersionSummary } from "../api/types";
import { formatTime } from "../runs/format";
import { toast } from "../ui/toasts";

interface Props {
  graphId: string;
  onRestore: (doc: GraphDocument, version: number) => void;
  onClose: () => void;
}

/** The saved versions of a graph, newest first, each restorable as a new version. */
export function VersionsMenu({ graphId, onRestore, onClose }: Props) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  useEffect(() => {
    api.versions(graphId).then(setVersions, (e: unknown) => {
      toast("error", `Could not list versions: ${e instanceof Error ? e.message : String(e)}`);
      onClose();
    });
  }, [graphId, onClose]);
  const restore = async (v: number) => {
    try {
      const read = await api.version(graphId, v);
      onRestore(read.document, v);
      onClose();
    } catch (e) {
      toast("error", `Could not load version ${v}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <div className="popover" role="dialog" aria-label="Versions">
      <div className="popover-head">
        <strong>Versions</strong>
        <button type="button" aria-label="Close versions" onClick={onClose}>
          ×
        </button>
      </div>
      {!versions && <p className="muted">Loading…</p>}
      <ul className="versions">
        {versions?.map((v, i) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <span>
              v{v.version} <span className="muted">{formatTime(v.created_at)}</span>
            </span>
            {i === 0 ? (
              <span className="muted">current</span>
            ) : (
              <button type="button" onClick={() => restore(v.version)}>
                Restore
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
