import Form from "@rjsf/core";
import {
  type ErrorSchema,
  type FieldProps,
  getTemplate,
  type RegistryFieldsType,
  type RegistryWidgetsType,
  type RJSFSchema,
  type UiSchema,
  type WidgetProps,
} from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { lazy, memo, Suspense, useEffect, useMemo, useRef, useState } from "react";
import { useCatalogue } from "../api/catalogue";
import { api } from "../api/client";
import type { FieldError, JsonObject, NodeSpec } from "../api/types";
import {
  anyToText,
  humanizeTitles,
  inlineRefs,
  jsonProblem,
  paramErrorTree,
  simplifySchema,
  textToAny,
  uiSchemaFor,
} from "./schema";
import { hasTemplate, pathSuggestions, type Suggestion } from "../lib/template-complete";
import { ConditionField } from "./condition-field";
import { formContextOf } from "./form-context";
import { AgentPicker, GraphPicker, ModelPicker, ProviderPicker, ToolsField } from "./pickers";
import { TemplateInput } from "./template-input";

const CodeEditor = lazy(() => import("./code-editor"));

function TextWidget(props: WidgetProps) {
  if (props.schema.type !== "string" || props.schema.enum) {
    const BaseInput = getTemplate("BaseInputTemplate", props.registry, props.options);
    return <BaseInput {...props} />;
  }
  return (
    <TemplateInput
      id={props.id}
      value={typeof props.value === "string" ? props.value : ""}
      onChange={(v) => props.onChange(v === "" ? props.options.emptyValue : v)}
      onBlur={() => props.onBlur(props.id, props.value)}
      suggestions={formContextOf(props).suggestions}
      previewContext={formContextOf(props).previewContext}
      disabled={props.disabled || props.readonly}
      required={props.required}
      placeholder={props.placeholder}
    />
  );
}

function TextareaWidget(props: WidgetProps) {
  return (
    <TemplateInput
      id={props.id}
      multiline
      value={typeof props.value === "string" ? props.value : ""}
      onChange={(v) => props.onChange(v === "" ? props.options.emptyValue : v)}
      onBlur={() => props.onBlur(props.id, props.value)}
      suggestions={formContextOf(props).suggestions}
      previewContext={formContextOf(props).previewContext}
      disabled={props.disabled || props.readonly}
      required={props.required}
    />
  );
}

function CodeWidget(props: WidgetProps) {
  const value = typeof props.value === "string" ? props.value : "";
  return (
    <Suspense fallback={<textarea id={props.id} className="nodrag" value={value} readOnly rows={6} />}>
      <CodeEditor
        id={props.id}
        value={value}
        onChange={(v) => props.onChange(v)}
        readOnly={props.readonly || props.disabled}
        language="python"
      />
    </Suspense>
  );
}

/** Fields typed `Any` in the params model: JSON or plain text (templates allowed). */
function AnyJsonField(props: FieldProps) {
  const [text, setText] = useState(() => anyToText(props.formData));
  const id = props.fieldPathId.$id;
  const title = props.schema.title ?? props.name;
  const problem = jsonProblem(text);
  return (
    <div className="form-group field field-any">
      <label htmlFor={id} className="control-label">
        {title}
        {props.required && <span className="required">*</span>}
      </label>
      {props.schema.description && <p className="field-description">{props.schema.description} (JSON or text)</p>}
      <TemplateInput
        id={id}
        multiline
        value={text}
        onChange={(v) => {
          setText(v);
          props.onChange(textToAny(v), props.fieldPathId.path);
        }}
        suggestions={formContextOf(props).suggestions}
        previewContext={formContextOf(props).previewContext}
        previewValue={problem === null ? textToAny(text) : undefined}
        disabled={props.disabled || props.readonly}
        invalid={problem !== null}
      />
      {problem && (
        <p className="field-error" role="alert" data-testid="json-error">
          Not valid JSON ({problem}): it would be sent as text.
        </p>
      )}
    </div>
  );
}

/** A sample item of a loop's `items` (for `item.*` inside its body): the first of the list. */
function useSampleItem(items: unknown, context: Record<string, unknown> | null): unknown {
  const [rendered, setRendered] = useState<unknown>(undefined);
  const templated = hasTemplate(items);
  const source = JSON.stringify(items ?? null);
  useEffect(() => {
    if (!templated || !context) return;
    const controller = new AbortController();
    api.previewTemplate(items, context, controller.signal).then(
      (answer) => setRendered(answer.error ? undefined : answer.value),
      () => undefined,
    );
    return () => controller.abort();
  }, [source, templated, context]); // `source` stands for `items`
  const list = templated ? rendered : items;
  return Array.isArray(list) ? list[0] : undefined;
}

interface NodeBody {
  type?: string;
  params?: JsonObject;
}

/** A node held in params (a loop's body): its type chosen from the catalogue, then its own form. */
function NodeBodyField(props: FieldProps) {
  const { list, specs } = useCatalogue();
  const ctx = formContextOf(props);
  const body = (props.formData ?? {}) as NodeBody;
  const spec = body.type ? specs.get(body.type) : undefined;
  const item = useSampleItem(ctx.params?.items, ctx.previewContext);
  const bodyContext = useMemo(
    () => (ctx.previewContext ? { ...ctx.previewContext, item: item ?? {}, index: 0 } : null),
    [ctx.previewContext, item],
  );
  const suggestions = useMemo(
    () => (bodyContext ? pathSuggestions(bodyContext, ["item", "index"]) : ctx.suggestions),
    [bodyContext, ctx.suggestions],
  );
  const choices = useMemo(
    () => list.filter((s) => !s.trigger).sort((a, b) => a.category.localeCompare(b.category)),
    [list],
  );
  const set = (next: NodeBody | undefined) => props.onChange(next, props.fieldPathId.path);
  const id = props.fieldPathId.$id;
  const errors = props.errorSchema?.__errors ?? [];
  return (
    <fieldset className="node-body" id={id}>
      <legend>{props.schema.title ?? "Node"}</legend>
      <label className="field">
        <span>Node type (runs once per item)</span>
        <select
          id={`${id}_type`}
          className="nodrag"
          value={body.type ?? ""}
          disabled={props.disabled || props.readonly}
          onChange={(e) => set(e.target.value ? { type: e.target.value, params: {} } : undefined)}
        >
          <option value="">— choose a node —</option>
          {body.type && !spec && <option value={body.type}>{body.type} (unknown)</option>}
          {choices.map((s) => (
            <option key={s.type} value={s.type}>
              {s.category} · {s.title}
            </option>
          ))}
        </select>
      </label>
      {errors.map((e, i) => (
        <p key={i} className="field-error" role="alert">
          {e}
        </p>
      ))}
      {spec && (
        <>
          <p className="muted small">
            Its templates also see <code>item</code> and <code>index</code>.
          </p>
          <ParamsForm
            spec={spec}
            params={body.params ?? {}}
            suggestions={suggestions}
            previewContext={bodyContext}
            readOnly={props.readonly || props.disabled || false}
            onChange={(p) => set({ type: body.type, params: p })}
            nested
          />
        </>
      )}
    </fieldset>
  );
}

const widgets: RegistryWidgetsType = {
  TextWidget,
  TextareaWidget,
  CodeWidget,
  ModelPicker,
  ProviderPicker,
  AgentPicker,
  GraphPicker,
};
const fields: RegistryFieldsType = {
  AnyJson: AnyJsonField,
  NodeBody: NodeBodyField,
  Tools: ToolsField,
  Condition: ConditionField,
};

interface Props {
  spec: NodeSpec;
  params: JsonObject;
  /** Validation errors of the node; those on `params.*` show under their field. */
  errors?: readonly FieldError[];
  suggestions: readonly Suggestion[];
  /** Sample data that template fields preview against (null: no previews). */
  previewContext?: Record<string, unknown> | null;
  readOnly: boolean;
  onChange: (params: JsonObject) => void;
  /** Inside another form (a loop's body): rendered as a div, not a nested form element. */
  nested?: boolean;
}

const ARRAY_DEFAULTS = { arrayMinItems: { populate: "requiredOnly" as const } };

/** The parameter form generated from a node's `params_schema`. */
function ParamsForm({ spec, params, errors, suggestions, previewContext = null, readOnly, onChange, nested }: Props) {
  const schema = useMemo(() => humanizeTitles(simplifySchema(inlineRefs(spec.params_schema))) as RJSFSchema, [spec]);
  const uiSchema = useMemo(
    () =>
      ({
        ...(uiSchemaFor(schema as JsonObject) as UiSchema),
        "ui:submitButtonOptions": { norender: true },
        "ui:options": { label: false },
      }) as UiSchema,
    [schema],
  );
  const formContext = useMemo(() => ({ suggestions, previewContext, params }), [suggestions, previewContext, params]);
  const extraErrors = useMemo(() => paramErrorTree(errors ?? []) as ErrorSchema, [errors]);
  // rjsf reports a change on mount when it fills defaults; only edits by the user count.
  const touched = useRef(false);
  const markTouched = () => {
    touched.current = true;
  };
  return (
    <div onInputCapture={markTouched} onClickCapture={markTouched} onKeyDownCapture={markTouched}>
      <Form
        schema={schema}
        uiSchema={uiSchema}
        formData={params}
        validator={validator}
        widgets={widgets}
        fields={fields}
        formContext={formContext}
        extraErrors={extraErrors}
        readonly={readOnly}
        showErrorList={false}
        noHtml5Validate
        idPrefix={nested ? "body" : "param"}
        tagName={nested ? "div" : undefined}
        // Optional arrays with minItems (Webhook.trigger methods) keep the server's default
        // instead of getting an empty, invalid first item.
        experimental_defaultFormStateBehavior={ARRAY_DEFAULTS}
        onChange={(e) => {
          if (touched.current && !readOnly) onChange((e.formData ?? {}) as JsonObject);
        }}
      />
    </div>
  );
}

export default memo(ParamsForm);
