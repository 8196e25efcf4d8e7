import { useEffect } from "react";
import { GROUP_TITLES, type GraphTemplate, TEMPLATES } from "./templates";

/** The example graphs as cards, by group; picking one calls `onPick`. */
export function TemplateGallery({ onPick }: { onPick: (t: GraphTemplate) => void }) {
  const groups = [...new Set(TEMPLATES.map((t) => t.group))];
  return (
    <div className="template-gallery">
      {groups.map((group) => (
        <section key={group} aria-label={`${GROUP_TITLES[group] ?? group} templates`}>
          <h3>{GROUP_TITLES[group] ?? group}</h3>
          <ul className="template-cards">
            {TEMPLATES.filter((t) => t.group === group).map((t) => (
              <li key={t.id} className="template-card">
                <button type="button" aria-label={`Use template ${t.name}`} onClick={() => onPick(t)}>
                  <strong>{t.name}</strong>
                  <span className="muted small">{t.description}</span>
                  <span className="small template-size">{t.document.nodes.length} nodes</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The gallery in a dialog (the empty canvas's "Start from a template"). */
export function TemplateDialog({ onPick, onClose }: { onPick: (t: GraphTemplate) => void; onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="template-dialog" role="dialog" aria-modal="true" aria-label="Templates">
        <div className="page-head">
          <h2>Start from a template</h2>
          <button type="button" aria-label="Close templates" onClick={onClose}>
            ×
          </button>
        </div>
        <TemplateGallery onPick={onPick} />
      </div>
    </div>
  );
}
