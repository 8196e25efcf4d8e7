/** The memory part of the agent form: `memory_schema` as fields, checked the way the server checks it. */

import type { JsonObject, JsonValue } from "../api/types";

/** Short-term backends the server ships (a plugin may add more: a saved unknown one stays selectable). */
export const SHORT_BACKENDS = ["redis", "postgres", "buffer"] as const;
export const COMPRESSION_STRATEGIES = ["none", "summarize", "importance_based"] as const;
export const LOCAL_PROVIDER = "local";
export const LOCAL_MODEL = "all-MiniLM-L6-v2";
/** What a provider's embedding model starts as when the user switches away from the local one. */
export const PROVIDER_MODEL = "text-embedding-3-small";

/** Error keys are the API's field names, so the server's errors land on the same fields. */
export const MEMORY_FIELDS = {
  shortBackend: "memory_schema.short_backend",
  shortWindow: "memory_schema.short_window",
  longBackend: "memory_schema.long_backend",
  topK: "memory_schema.top_k",
  compressionStrategy: "memory_schema.compression_strategy",
  decayEnabled: "memory_schema.decay_enabled",
  decayHalfLifeDays: "memory_schema.decay_half_life_days",
  embeddingProvider: "memory_schema.embedding.provider",
  embeddingModel: "memory_schema.embedding.model",
} as const;

export interface MemoryFormState {
  /** "": the server's default (one every process of `kyra up` shares). */
  shortBackend: string;
  shortWindow: string;
  /** "": no long-term memory. */
  longBackend: string;
  topK: string;
  compressionStrategy: string;
  decayEnabled: boolean;
  decayHalfLifeDays: string;
  embeddingProvider: string;
  embeddingModel: string;
  /** The saved schema, kept for the keys this form does not show (such as embedding.dimensions). */
  base: JsonObject;
}

export function emptyMemoryForm(): MemoryFormState {
  return {
    shortBackend: "",
    shortWindow: "20",
    longBackend: "",
    topK: "5",
    compressionStrategy: "none",
    decayEnabled: false,
    decayHalfLifeDays: "30",
    embeddingProvider: LOCAL_PROVIDER,
    embeddingModel: LOCAL_MODEL,
    base: {},
  };
}

function objectOf(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function text(value: JsonValue | undefined, fallback: string): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : fallback;
}

export function memoryToForm(schema: JsonObject | null | undefined): MemoryFormState {
  const saved = objectOf(schema ?? undefined);
  const embedding = objectOf(saved.embedding);
  const empty = emptyMemoryForm();
  return {
    shortBackend: text(saved.short_backend, empty.shortBackend),
    shortWindow: text(saved.short_window, empty.shortWindow),
    longBackend: text(saved.long_backend, empty.longBackend),
    topK: text(saved.top_k, empty.topK),
    compressionStrategy: text(saved.compression_strategy, empty.compressionStrategy),
    decayEnabled: saved.decay_enabled === true,
    decayHalfLifeDays: text(saved.decay_half_life_days, empty.decayHalfLifeDays),
    embeddingProvider: text(embedding.provider, empty.embeddingProvider),
    embeddingModel: text(embedding.model, empty.embeddingModel),
    base: saved,
  };
}

/** The embedding fields after choosing ``provider``: a model that provider can serve. */
export function withEmbeddingProvider(f: MemoryFormState, provider: string): MemoryFormState {
  const local = provider === LOCAL_PROVIDER;
  const keepModel = local ? f.embeddingModel === LOCAL_MODEL : f.embeddingModel !== LOCAL_MODEL;
  const model = keepModel ? f.embeddingModel : local ? LOCAL_MODEL : PROVIDER_MODEL;
  return { ...f, embeddingProvider: provider, embeddingModel: model };
}

function wholeNumber(value: string, min: number, max: number): number | null {
  const n = Number(value);
  return value.trim() !== "" && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

export type MemoryFormResult = { schema: JsonObject; errors: Record<string, string> };

/** The ``memory_schema`` body, and errors keyed by API field name (empty when valid). */
export function formToMemorySchema(f: MemoryFormState): MemoryFormResult {
  const errors: Record<string, string> = {};
  const shortWindow = wholeNumber(f.shortWindow, 0, 1000);
  if (shortWindow === null) errors[MEMORY_FIELDS.shortWindow] = "a whole number from 0 to 1000";
  const topK = wholeNumber(f.topK, 0, 100);
  if (topK === null) errors[MEMORY_FIELDS.topK] = "a whole number from 0 to 100";
  const halfLife = Number(f.decayHalfLifeDays);
  if (f.decayHalfLifeDays.trim() === "" || !Number.isFinite(halfLife) || halfLife <= 0 || halfLife > 36_500)
    errors[MEMORY_FIELDS.decayHalfLifeDays] = "days, more than 0 and at most 36500";
  if (!f.embeddingModel.trim()) errors[MEMORY_FIELDS.embeddingModel] = "required";
  const { short_backend: _saved, ...rest } = f.base;
  const schema: JsonObject = {
    ...rest,
    ...(f.shortBackend ? { short_backend: f.shortBackend } : {}),
    short_window: shortWindow ?? 0,
    long_backend: f.longBackend || null,
    top_k: topK ?? 0,
    compression_strategy: f.compressionStrategy,
    decay_enabled: f.decayEnabled,
    decay_half_life_days: halfLife,
    embedding: { ...objectOf(f.base.embedding), provider: f.embeddingProvider, model: f.embeddingModel.trim() },
  };
  return { schema, errors };
}
