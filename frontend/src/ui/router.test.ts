import { describe, expect, it } from "vitest";
import { parseRoute } from "./router";

describe("routes", () => {
  it("parses the platform pages", () => {
    expect(parseRoute("/runs")).toEqual({ page: "all-runs" });
    expect(parseRoute("/team")).toEqual({ page: "team" });
    expect(parseRoute("/triggers")).toEqual({ page: "triggers" });
    expect(parseRoute("/runs/abc")).toEqual({ page: "run", runId: "abc" });
    expect(parseRoute("/agents")).toEqual({ page: "agents", agentId: null });
    expect(parseRoute("/agents/new")).toEqual({ page: "agents", agentId: "new" });
    expect(parseRoute("/agents/a%20b")).toEqual({ page: "agents", agentId: "a b" });
    expect(parseRoute("/credentials")).toEqual({ page: "credentials" });
    expect(parseRoute("/models")).toEqual({ page: "models" });
    expect(parseRoute("/models/x")).toEqual({ page: "not-found" });
  });
});
