import { describe, expect, it } from "vitest";
import { ApiError } from "./client";
import { errorText, isUnavailable } from "./platform";

describe("platform api helpers", () => {
  it("treats 404 and 405 as an endpoint the server does not have", () => {
    expect(isUnavailable(new ApiError(404, "Not Found"))).toBe(true);
    expect(isUnavailable(new ApiError(405, "Method Not Allowed"))).toBe(true);
    expect(isUnavailable(new ApiError(400, "bad"))).toBe(false);
    expect(isUnavailable(new Error("network"))).toBe(false);
  });

  it("spells out per-field errors", () => {
    const e = new ApiError(400, "agent is invalid", [
      { node_id: null, field: "tools[0]", code: "invalid", message: "no agent named 'x'" },
    ]);
    expect(errorText(e)).toBe("agent is invalid: tools[0]: no agent named 'x'");
    expect(errorText(new Error("boom"))).toBe("boom");
    expect(errorText("plain")).toBe("plain");
  });
});
