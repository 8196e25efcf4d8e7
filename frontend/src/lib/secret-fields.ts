/** Secret fields of a credential, typed as JSON or as key/value rows. */

import type { JsonObject } from "../api/types";

export interface KeyValueRow {
  key: string;
  value: string;
}

export type Parsed = { ok: true; data: JsonObject } | { ok: false; error: string };

/** Rows to an object; blank rows are ignored, blank or repeated keys are errors. */
export function rowsToData(rows: readonly KeyValueRow[]): Parsed {
  const data: JsonObject = {};
  for (const [i, r] of rows.entries()) {
    const key = r.key.trim();
    if (!key && !r.value) continue;
    if (!key) return { ok: false, error: `row ${i + 1} has a value but no field name` };
    if (Object.hasOwn(data, key)) return { ok: false, error: `field “${key}” appears twice` };
    data[key] = r.value;
  }
  if (!Object.keys(data).length) return { ok: false, error: "add at least one secret field" };
  return { ok: true, data };
}

/** JSON text to an object; anything but a non-empty JSON object is an error. */
export function jsonToData(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, error: "the secret must be a JSON object of fields" };
  if (!Object.keys(value).length) return { ok: false, error: "add at least one secret field" };
  return { ok: true, data: value as JsonObject };
}

/** Credential kinds are lower-case identifiers (`^[a-z][a-z0-9_]{0,63}$` on the server). */
export function kindError(kind: string): string | null {
  return /^[a-z][a-z0-9_]{0,63}$/.test(kind) ? null : "kind: lower-case letters, digits and _ , starting with a letter";
}
