import { describe, expect, it } from "vitest";
import { jsonToData, kindError, rowsToData } from "./secret-fields";

describe("credential secret fields", () => {
  it("turns key/value rows into an object, skipping blank rows", () => {
    expect(
      rowsToData([
        { key: " token ", value: "s3cret" },
        { key: "", value: "" },
        { key: "user", value: "ada" },
      ]),
    ).toEqual({ ok: true, data: { token: "s3cret", user: "ada" } });
  });

  it("refuses values without names, repeated names and empty secrets", () => {
    expect(rowsToData([{ key: "", value: "x" }])).toMatchObject({ ok: false });
    expect(
      rowsToData([
        { key: "a", value: "1" },
        { key: "a", value: "2" },
      ]),
    ).toMatchObject({ ok: false, error: expect.stringContaining("twice") });
    expect(rowsToData([{ key: "", value: "" }])).toMatchObject({ ok: false });
  });

  it("accepts only a non-empty JSON object", () => {
    expect(jsonToData('{"token": "t", "port": 5432}')).toEqual({ ok: true, data: { token: "t", port: 5432 } });
    expect(jsonToData("[1]")).toMatchObject({ ok: false });
    expect(jsonToData("{}")).toMatchObject({ ok: false });
    expect(jsonToData("{oops")).toMatchObject({ ok: false, error: expect.stringContaining("JSON") });
  });

  it("checks kinds like the server", () => {
    expect(kindError("http_auth")).toBeNull();
    expect(kindError("Http")).not.toBeNull();
    expect(kindError("1abc")).not.toBeNull();
  });
});
