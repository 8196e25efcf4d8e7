import {
  COMPRESSION_STRATEGIES,
  LOCAL_MODEL,
  LOCAL_PROVIDER,
  MEMORY_FIELDS,
  type MemoryFormState,
  SHORT_BACKENDS,
  withEmbeddingProvider,
} from "../lib/memory-form";

const COMPRESSION_LABELS: Record<string, string> = {
  none: "none",
  summarize: "summarize the oldest",
  importance_based: "merge the least important",
};

/** A field's error under it (the agent form's fields use it too). */
export function FieldError({ error }: { error: string | undefined }) {
  return error ? <span className="error-text small">{error}</span> : null;
}

/** Options for a select: the known ones, plus a saved value this page does not know (kept, not lost). */
function withSaved(known: readonly string[], saved: string): string[] {
  return saved && !known.includes(saved) ? [...known, saved] : [...known];
}

/** The agent's memory settings (`memory_schema`) as fields; errors are keyed by API field name. */
export function MemoryFields({
  value,
  onChange,
  errors,
  providers,
}: {
  value: MemoryFormState;
  onChange: (value: MemoryFormState) => void;
  errors: Record<string, string>;
  /** Names of the LLM providers that can embed (besides the offline local model). */
  providers: string[];
}) {
  const set = (patch: Partial<MemoryFormState>) => onChange({ ...value, ...patch });
  const providerOptions = withSaved([LOCAL_PROVIDER, ...providers], value.embeddingProvider);
  return (
    <fieldset className="memory-fields">
      <legend>Memory</legend>
      <div className="field-row">
        <label className="field">
          <span>Short-term backend</span>
          <select value={value.shortBackend} onChange={(e) => set({ shortBackend: e.target.value })}>
            <option value="">default (shared by every process)</option>
            {withSaved(SHORT_BACKENDS, value.shortBackend).map((b) => (
              <option key={b} value={b}>
                {b === "buffer" ? "buffer (one process only)" : b}
              </option>
            ))}
          </select>
          <FieldError error={errors[MEMORY_FIELDS.shortBackend]} />
        </label>
        <label className="field">
          <span>Messages kept per session</span>
          <input
            type="number"
            min={0}
            max={1000}
            value={value.shortWindow}
            onChange={(e) => set({ shortWindow: e.target.value })}
          />
          <FieldError error={errors[MEMORY_FIELDS.shortWindow]} />
        </label>
      </div>
      <div className="field-row">
        <label className="field">
          <span>Long-term backend</span>
          <select value={value.longBackend} onChange={(e) => set({ longBackend: e.target.value })}>
            <option value="">none (forget after each session)</option>
            {withSaved(["postgres"], value.longBackend).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
          <FieldError error={errors[MEMORY_FIELDS.longBackend]} />
        </label>
        <label className="field">
          <span>Memories recalled per run (top k)</span>
          <input type="number" min={0} max={100} value={value.topK} onChange={(e) => set({ topK: e.target.value })} />
          <FieldError error={errors[MEMORY_FIELDS.topK]} />
        </label>
        <label className="field">
          <span>Compression</span>
          <select value={value.compressionStrategy} onChange={(e) => set({ compressionStrategy: e.target.value })}>
            {withSaved(COMPRESSION_STRATEGIES, value.compressionStrategy).map((s) => (
              <option key={s} value={s}>
                {COMPRESSION_LABELS[s] ?? s}
              </option>
            ))}
          </select>
          <FieldError error={errors[MEMORY_FIELDS.compressionStrategy]} />
        </label>
      </div>
      <div className="field-row">
        <label className="check">
          <input
            type="checkbox"
            checked={value.decayEnabled}
            onChange={(e) => set({ decayEnabled: e.target.checked })}
          />
          Rank recent memories higher (decay)
        </label>
        <label className="field">
          <span>Decay half-life (days)</span>
          <input
            type="number"
            min={0}
            step="any"
            disabled={!value.decayEnabled}
            value={value.decayHalfLifeDays}
            onChange={(e) => set({ decayHalfLifeDays: e.target.value })}
          />
          <FieldError error={errors[MEMORY_FIELDS.decayHalfLifeDays]} />
        </label>
      </div>
      <div className="field-row">
        <label className="field">
          <span>Embedding provider</span>
          <select
            value={value.embeddingProvider}
            onChange={(e) => onChange(withEmbeddingProvider(value, e.target.value))}
          >
            {providerOptions.map((p) => (
              <option key={p} value={p}>
                {p === LOCAL_PROVIDER ? `local (offline, ${LOCAL_MODEL})` : p}
              </option>
            ))}
          </select>
          <FieldError error={errors[MEMORY_FIELDS.embeddingProvider]} />
        </label>
        <label className="field">
          <span>Embedding model</span>
          <input value={value.embeddingModel} onChange={(e) => set({ embeddingModel: e.target.value })} />
          <FieldError error={errors[MEMORY_FIELDS.embeddingModel]} />
        </label>
      </div>
      <p className="muted small">
        Memories are searched with the model that embedded them: after changing the embedding model, older memories are
        found by keyword and recency only.
      </p>
    </fieldset>
  );
}
