import { type ChangeEvent, type KeyboardEvent, useId, useMemo, useRef, useState } from "react";

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  suggestions: readonly string[];
  multiline?: boolean;
  placeholder?: string;
  disabled?: boolean;
  required?: boolean;
  /** Marks the field as holding a value that will not work (`aria-invalid`). */
  invalid?: boolean;
}

/** The expression being typed after an unclosed `{{` before the caret, or null. */
export function openExpression(text: string, caret: number): { start: number; partial: string } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.indexOf("}}", open) >= 0) return null;
  return { start: open + 2, partial: before.slice(open + 2).trim() };
}

/** A text field for Jinja templates: typing `{{` offers the trigger and upstream node outputs. */
export function TemplateInput({
  id,
  value,
  onChange,
  onBlur,
  suggestions,
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
  const open = caret === null ? null : openExpression(value, caret);
  const options = useMemo(
    () => (open ? suggestions.filter((s) => s.toLowerCase().includes(open.partial.toLowerCase())).slice(0, 12) : []),
    [open, suggestions],
  );

  const insert = (expr: string) => {
    if (!open || caret === null) return;
    const after = value.slice(caret);
    const closes = after.trimStart().startsWith("}}");
    const head = value.slice(0, open.start);
    const next = `${head} ${expr} ${closes ? after.trimStart() : `}}${after}`}`;
    onChange(next);
    setCaret(null);
    requestAnimationFrame(() => {
      // The caret stays inside the braces, so `.body.name` typed next extends the expression.
      const pos = head.length + 1 + expr.length;
      ref.current?.focus();
      ref.current?.setSelectionRange(pos, pos);
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
    else if (e.key === "Enter" || e.key === "Tab") insert(options[active]);
    else if (e.key === "Escape") setCaret(null);
    else return;
    e.preventDefault();
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
              key={s}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(s);
              }}
            >
              {s}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
