import { describe, expect, it } from "vitest";
import { SseParser } from "./sse";

describe("SseParser", () => {
  it("parses events split across chunks, comments and multi-line data", () => {
    const p = new SseParser();
    expect(p.feed(": keep-alive\n\nevent: snap")).toEqual([]);
    expect(p.feed('shot\ndata: {"a":')).toEqual([]);
    expect(p.feed(" 1}\n\ndata: x\r\ndata: y\r\n\r\n")).toEqual([
      { event: "snapshot", data: '{"a": 1}' },
      { event: "message", data: "x\ny" },
    ]);
  });
});
