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
import { lazy, memo, Suspense, useMemo, useRef, useState } from "react";
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
import type { Suggestion } from "../lib/template-complete";
import { TemplateInput } from "./template-input";

const CodeEditor = lazy(() => import("./code-editor"));

interface FormContext {
  suggestions: readonly Suggestion[];
  previewContext: Record<string, unknown> | null;
}

function formContextOf(props: { registry: { formContext?: unknown } }): FormContext {
  return (props.registry.formContext as FormContext | undefined) ?? { suggestions: [], previewContext: null };
}

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

const widgets: RegistryWidgetsType = { TextWidget, TextareaWidget, CodeWidget };
const fields: RegistryFieldsType = { AnyJson: AnyJsonField };

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
}

const ARRAY_DEFAULTS = { arrayMinItems: { populate: "requiredOnly" as const } };

/** The parameter form generated from a node's `params_schema`. */
function ParamsForm({ spec, params, errors, suggestions, previewContext = null, readOnly, onChange }: Props) {
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
  const formContext = useMemo(() => ({ suggestions, previewContext }), [suggestions, previewContext]);
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
        idPrefix="param"
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
