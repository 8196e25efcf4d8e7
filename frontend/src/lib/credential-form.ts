/** Credential forms typed by kind: which fields show, client-side checks, the payload to send. */

import type { CredentialFieldSpec, CredentialKindSpec } from "../api/platform-types";

export type FieldValues = Record<string, string>;

/** Whether a field applies given the other values (e.g. a token only for type = bearer). */
export function fieldApplies(field: CredentialFieldSpec, values: FieldValues): boolean {
  if (!field.when) return true;
  const other = values[field.when.field] ?? "";
  return field.when.values.includes(other);
}

/** The fields to show for these values. */
export function visibleFields(kind: CredentialKindSpec, values: FieldValues): CredentialFieldSpec[] {
  return kind.fields.filter((f) => fieldApplies(f, values));
}

/** Initial values: defaults, then the credential's stored public fields. */
export function initialValues(kind: CredentialKindSpec, stored: FieldValues = {}): FieldValues {
  const values: FieldValues = {};
  for (const f of kind.fields) {
    const start = stored[f.name] ?? f.default ?? (f.type === "choice" ? f.choices[0] : "");
    if (start) values[f.name] = start;
  }
  return values;
}

/**
 * The `data` of a create (every visible, non-empty field) or of an edit (changed fields only;
 * a secret left empty keeps its stored value), or the first problem as `field: message`.
 */
export function credentialPayload(
  kind: CredentialKindSpec,
  values: FieldValues,
  opts: { editing?: { stored: FieldValues; secretsSet: readonly string[] } } = {},
): { ok: true; data: Record<string, string | null> } | { ok: false; error: string } {
  const data: Record<string, string | null> = {};
  for (const f of visibleFields(kind, values)) {
    const value = (values[f.name] ?? "").trim();
    const kept = opts.editing && f.secret && opts.editing.secretsSet.includes(f.name);
    if (!value && f.required && !kept && !kind.oauth2) return { ok: false, error: `${f.name}: required` };
    if (value && f.type === "url" && !/^https?:\/\/\S+/.test(value))
      return { ok: false, error: `${f.name}: must be an absolute http(s) URL` };
    if (opts.editing) {
      const before = opts.editing.stored[f.name] ?? "";
      if (f.secret ? value : value !== before) data[f.name] = value || null;
    } else if (value) data[f.name] = value;
  }
  return { ok: true, data };
}
