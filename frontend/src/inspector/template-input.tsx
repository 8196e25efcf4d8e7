import { type ChangeEvent, type KeyboardEvent, useId, useMemo, useRef, useState } from "react";
import { applyCompletion, completionAt, type Suggestion, suggestionsFor } from "../lib/template-complete";
import { TemplatePreviewLine } from "./template-preview";

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  /** Field paths (from sample data) offered inside `{{ }}`; Jinja filters come after `|`. */
  suggestions: readonly Suggestion[];
  /** Sample data to preview the rendered value against (null: no preview). */
  previewContext?: Record<string, unknown> | null;
  /** What to preview when it is not the text itself (a "JSON or text" field's parsed value). */
  previewValue?: unknown;
  multiline?: boolean;
  placeholder?: string;
  disabled?: boolean;
  required?: boolean;
  /** Marks the field as holding a value that will not work (`aria-invalid`). */
  invalid?: boolean;
}

/** A text field for Jinja templates: autocomplete of real field paths and filters, live preview. */
export function TemplateInput({
  id,
  value,
  onChange,
  onBlur,
  suggestions,
  previewContext,
  previewValue,
  multiline,
  placeholder,
  disabled,
  required,
  invalid,
}: Props) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const listId = useId();
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const completion = caret === null ? null : completionAt(value, caret);
  const key = completion ? `${completion.kind}:${completion.token}` : "";
  // Recomputed per token typed, not per render (suggestion lists can hold hundreds of paths).
  const options = useMemo(() => (completion ? suggestionsFor(completion, suggestions) : []), [key, suggestions]);

  const insert = (choice: string) => {
    if (!completion || caret === null) return;
    const next = applyCompletion(value, caret, completion, choice);
    onChange(next.text);
    setCaret(null);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(next.caret, next.caret);
    });
  };

  const onInput = (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    onChange(e.target.value);
    setCaret(e.target.selectionStart);
    setActive(0);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!options.length) return;
    if (e.key === "ArrowDown") setActive((a) => (a + 1) % options.length);
    else if (e.key === "ArrowUp") setActive((a) => (a - 1 + options.length) % options.length);
    else if (e.key === "Enter" || e.key === "Tab") insert(options[active].label);
    else if (e.key === "Escape") setCaret(null);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const common = {
    id,
    ref,
    value,
    disabled,
    required,
    placeholder,
    className: "nodrag nokey template-input",
    "aria-invalid": invalid || undefined,
    onChange: onInput,
    onKeyDown,
    onBlur: () => {
      setTimeout(() => setCaret(null), 150);
      onBlur?.();
    },
    role: "combobox",
    "aria-autocomplete": "list" as const,
    "aria-expanded": options.length > 0,
    "aria-controls": listId,
    spellCheck: false,
  };

  return (
    <div className="template-field">
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      {options.length > 0 && (
        <ul className="suggestions" id={listId} role="listbox">
          {options.map((s, i) => (
            <li
              key={s.label}
              role="option"
              aria-selected={i === active}
              aria-label={s.label}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(s.label);
              }}
            >
              <span className="suggestion-label">{s.label}</span>
              {s.detail && <span className="suggestion-detail">{s.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {previewContext && (
        <TemplatePreviewLine template={previewValue === undefined ? value : previewValue} context={previewContext} />
      )}
    </div>
  );
}
