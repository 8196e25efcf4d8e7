import { useReactFlow } from "@xyflow/react";
import { useEffect } from "react";
import { api } from "../api/client";
import { useStoreApis } from "../store/editor-context";
import { navigate } from "../ui/router";
import { toast } from "../ui/toasts";
import { GROUP_TITLES, type GraphTemplate, instantiate, TEMPLATES } from "./templates";

/** Save a template as a new graph of the user's (a free name) and open it in the editor. */
export async function openAsNewGraph(template: GraphTemplate): Promise<void> {
  try {
    const taken = (await api.listGraphs()).map((g) => g.name);
    const created = await api.createGraph(instantiate(template, taken, crypto.randomUUID().slice(0, 6)));
    navigate(`/graphs/${encodeURIComponent(created.id)}`);
  } catch (e) {
    toast("error", `Could not create a graph from “${template.name}”: ${e instanceof Error ? e.message : String(e)}`);
  }
}

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

/** The graph list's gallery: a template becomes a new graph of the user's. */
export function NewGraphGallery() {
  return <TemplateGallery onPick={(t) => void openAsNewGraph(t)} />;
}

/** The empty canvas's "Start from a template": the template replaces the canvas (undoable). */
export function CanvasTemplateDialog({ onClose }: { onClose: () => void }) {
  const { editor } = useStoreApis();
  const { fitView } = useReactFlow();
  const load = async (template: GraphTemplate) => {
    const state = editor.getState();
    // A saved graph keeps its name; a new one takes the template's (made unique).
    const taken = state.graphId ? [] : (await api.listGraphs().catch(() => [])).map((g) => g.name);
    const doc = instantiate(template, taken, crypto.randomUUID().slice(0, 6));
    if (state.graphId) doc.name = state.meta.name;
    editor.getState().load(doc, { dirty: true });
    onClose();
    toast("info", `Template “${template.name}” loaded: save or run it to keep it.`);
    requestAnimationFrame(() => void fitView());
  };
  return <TemplateDialog onPick={(t) => void load(t)} onClose={onClose} />;
}

/** The gallery in a dialog. */
function TemplateDialog({ onPick, onClose }: { onPick: (t: GraphTemplate) => void; onClose: () => void }) {
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
