import type { FieldProps } from "@rjsf/utils";
import { useId, useState } from "react";
import { buildCondition, type ConditionRow, type ConditionRules, OPERATORS, parseCondition } from "../lib/condition";
import { formContextOf } from "./form-context";
import { TemplateInput } from "./template-input";
import { TemplatePreviewLine } from "./template-preview";

const NEW_ROW: ConditionRow = { field: "", op: "==", value: "" };

/**
 * A condition (If, a Switch case) as rules — field, operator, value, all or any — or as a
 * template. Rules are saved as the template they stand for, so both run the same way.
 */
export function ConditionField(props: FieldProps) {
  const ctx = formContextOf(props);
  const id = props.fieldPathId.$id;
  const listId = useId();
  const parsed = parseCondition(props.formData);
  const [mode, setMode] = useState<"rules" | "template">(parsed ? "rules" : "template");
  const [rules, setRules] = useState<ConditionRules>(() =>
    parsed && parsed.rows.length ? parsed : { join: "and", rows: [{ ...NEW_ROW }] },
  );
  const readOnly = props.disabled || props.readonly;
  const text =
    typeof props.formData === "string" ? props.formData : props.formData == null ? "" : JSON.stringify(props.formData);
  const change = (next: ConditionRules) => {
    setRules(next);
    props.onChange(buildCondition(next) || undefined, props.fieldPathId.path);
  };
  const setRow = (i: number, patch: Partial<ConditionRow>) =>
    change({ ...rules, rows: rules.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const title = props.schema.title ?? props.name;

  return (
    <div className="form-group field condition-field">
      <div className="condition-head">
        <label htmlFor={id} className="control-label">
          {title}
          {props.required && <span className="required">*</span>}
        </label>
        <div className="tabs compact" role="tablist" aria-label={`${title} mode`}>
          <button
            type="button"
            role="tab"
            aria-selected={mode === "rules"}
            disabled={!parsed && mode === "template"}
            title={parsed ? undefined : "This template is more than rules: edit it as a template"}
            onClick={() => setMode("rules")}
          >
            Rules
          </button>
          <button type="button" role="tab" aria-selected={mode === "template"} onClick={() => setMode("template")}>
            Template
          </button>
        </div>
      </div>
      {mode === "template" ? (
        <TemplateInput
          id={id}
          value={text}
          onChange={(v) => props.onChange(v === "" ? undefined : v, props.fieldPathId.path)}
          suggestions={ctx.suggestions}
          previewContext={ctx.previewContext}
          disabled={readOnly}
        />
      ) : (
        <div className="condition-rules" id={id}>
          <label className="field inline">
            <span>Match</span>
            <select
              aria-label="Match"
              value={rules.join}
              disabled={readOnly}
              onChange={(e) => change({ ...rules, join: e.target.value as "and" | "or" })}
            >
              <option value="and">all of</option>
              <option value="or">any of</option>
            </select>
          </label>
          <datalist id={listId}>
            {ctx.suggestions.map((s) => (
              <option key={s.label} value={s.label} />
            ))}
          </datalist>
          {rules.rows.map((row, i) => {
            const unary = OPERATORS.find((o) => o.op === row.op)?.unary;
            return (
              <div className="condition-row" key={i}>
                <input
                  aria-label={`Field ${i + 1}`}
                  list={listId}
                  placeholder="trigger.body.amount"
                  value={row.field}
                  disabled={readOnly}
                  onChange={(e) => setRow(i, { field: e.target.value })}
                />
                <select
                  aria-label={`Operator ${i + 1}`}
                  value={row.op}
                  disabled={readOnly}
                  onChange={(e) => setRow(i, { op: e.target.value as ConditionRow["op"] })}
                >
                  {OPERATORS.map((o) => (
                    <option key={o.op} value={o.op}>
                      {o.label}
                    </option>
                  ))}
                </select>
                {!unary && (
                  <input
                    aria-label={`Value ${i + 1}`}
                    placeholder="value"
                    value={row.value}
                    disabled={readOnly}
                    onChange={(e) => setRow(i, { value: e.target.value })}
                  />
                )}
                <button
                  type="button"
                  aria-label={`Remove condition ${i + 1}`}
                  disabled={readOnly}
                  onClick={() => change({ ...rules, rows: rules.rows.filter((_, j) => j !== i) })}
                >
                  ×
                </button>
              </div>
            );
          })}
          <button
            type="button"
            disabled={readOnly}
            onClick={() => change({ ...rules, rows: [...rules.rows, { ...NEW_ROW }] })}
          >
            + Add condition
          </button>
          {ctx.previewContext && buildCondition(rules) && (
            <TemplatePreviewLine template={buildCondition(rules)} context={ctx.previewContext} />
          )}
        </div>
      )}
    </div>
  );
}
