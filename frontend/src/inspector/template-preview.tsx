import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { TemplatePreview } from "../api/types";
import { hasTemplate } from "../lib/template-complete";

interface Shown {
  /** The template the shown answer belongs to (as JSON, for comparison). */
  source: string;
  answer: TemplatePreview | null;
}

/** Undefined names and missing fields: the cases `| default(...)` is for. */
const MISSING = /undefined|has no attribute|no element|not defined/i;

/**
 * The rendered value of a template field against the sample data, or the error a run would
 * raise; rendered by the server's own sandbox as the user types (the newest answer wins).
 */
export function TemplatePreviewLine({ template, context }: { template: unknown; context: Record<string, unknown> }) {
  const source = JSON.stringify(template ?? null);
  const [shown, setShown] = useState<Shown>({ source: "", answer: null });
  const active = hasTemplate(template);
  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    api.previewTemplate(template, context, controller.signal).then(
      (answer) => setShown({ source, answer }),
      () => undefined,
    );
    return () => controller.abort();
    // `source` stands for `template` (a fresh object on every render of "JSON or text" fields).
  }, [source, context, active]);
  if (!active || !shown.answer) return null;
  const { answer } = shown;
  const stale = shown.source !== source;
  return (
    <div
      className={`template-preview${answer.error ? " is-error" : ""}${stale ? " is-stale" : ""}`}
      data-testid="template-preview"
      data-source={shown.source}
      aria-live="polite"
    >
      {answer.error ? (
        <>
          <span className="preview-label">error</span> <span>{answer.error.message}</span>
          {MISSING.test(answer.error.message) && (
            <span className="preview-hint">
              {" "}
              Optional field? Add a fallback: <code>{"{{ … | default('') }}"}</code>
            </span>
          )}
        </>
      ) : (
        <>
          <span className="preview-label">=</span> <code>{previewText(answer.value)}</code>
        </>
      )}
    </div>
  );
}

function previewText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
