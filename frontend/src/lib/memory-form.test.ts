import { describe, expect, it } from "vitest";
import { emptyMemoryForm, formToMemorySchema, memoryToForm, withEmbeddingProvider } from "./memory-form";

describe("memory form", () => {
  it("round-trips a saved schema, keeping the keys it does not show", () => {
    const saved = {
      short_backend: "redis",
      short_window: 8,
      long_backend: "postgres",
      top_k: 3,
      compression_strategy: "summarize",
      decay_enabled: true,
      decay_half_life_days: 7.5,
      embedding: { provider: "openai", model: "text-embedding-3-small", dimensions: 256 },
    };
    expect(formToMemorySchema(memoryToForm(saved))).toEqual({ schema: saved, errors: {} });
  });

  it("leaves the short-term backend to the server by default", () => {
    const { schema } = formToMemorySchema(emptyMemoryForm());
    expect(schema).not.toHaveProperty("short_backend");
    expect(schema.long_backend).toBeNull();
  });

  it("names the API field of each invalid value", () => {
    const form = { ...emptyMemoryForm(), shortWindow: "2.5", topK: "101", decayHalfLifeDays: "0", embeddingModel: " " };
    expect(Object.keys(formToMemorySchema(form).errors).sort()).toEqual([
      "memory_schema.decay_half_life_days",
      "memory_schema.embedding.model",
      "memory_schema.short_window",
      "memory_schema.top_k",
    ]);
  });

  it("offers a model the chosen embedding provider serves", () => {
    const remote = withEmbeddingProvider(emptyMemoryForm(), "openai");
    expect(remote.embeddingModel).toBe("text-embedding-3-small");
    expect(withEmbeddingProvider({ ...remote, embeddingModel: "custom" }, "other").embeddingModel).toBe("custom");
    expect(withEmbeddingProvider(remote, "local").embeddingModel).toBe("all-MiniLM-L6-v2");
  });
});
