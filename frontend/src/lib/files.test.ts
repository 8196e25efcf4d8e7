import { describe, expect, it } from "vitest";
import { findFileRefs, formatBytes, isFileRef } from "./files";

const ref = { $file: "f1", name: "a.csv", mime: "text/csv", size: 12 };

describe("file references", () => {
  it("finds references anywhere in an output, once each", () => {
    const output = { out: { status: 200, body: ref }, items: [{ file: ref }, { file: { ...ref, $file: "f2" } }] };
    expect(findFileRefs(output).map((r) => r.$file)).toEqual(["f1", "f2"]);
  });

  it("ignores look-alikes and plain values", () => {
    expect(isFileRef({ $file: 3 })).toBe(false);
    expect(findFileRefs(["x", 1, null, { file: "f1" }])).toEqual([]);
  });

  it("formats sizes for people", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(100 * 1024 * 1024)).toBe("100.0 MB");
  });
});
