import type { JsonObject } from "../api/types";
import type { Suggestion } from "../lib/template-complete";

/** What every field of a params form can reach beyond its own value. */
export interface FormContext {
  suggestions: readonly Suggestion[];
  previewContext: Record<string, unknown> | null;
  /** The whole params of the form (a field may depend on a sibling: a loop body on `items`). */
  params?: JsonObject;
}

export function formContextOf(props: { registry: { formContext?: unknown } }): FormContext {
  return (props.registry.formContext as FormContext | undefined) ?? { suggestions: [], previewContext: null };
}
