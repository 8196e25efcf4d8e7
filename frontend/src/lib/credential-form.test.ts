import { describe, expect, it } from "vitest";
import type { CredentialKindSpec } from "../api/platform-types";
import { credentialPayload, initialValues, visibleFields } from "./credential-form";

const field = (name: string, extra: Partial<CredentialKindSpec["fields"][number]> = {}) => ({
  name,
  label: name,
  secret: false,
  required: true,
  type: "text" as const,
  choices: [],
  default: null,
  description: "",
  placeholder: "",
  when: null,
  ...extra,
});

const httpAuth: CredentialKindSpec = {
  name: "http_auth",
  title: "HTTP authentication",
  description: "",
  docs_url: "",
  base_url: "",
  testable: false,
  oauth2: null,
  fields: [
    field("type", { type: "choice", choices: ["bearer", "basic"] }),
    field("token", { secret: true, when: { field: "type", values: ["bearer"] } }),
    field("username", { when: { field: "type", values: ["basic"] } }),
    field("base_url", { type: "url", required: false }),
  ],
};

describe("credential forms", () => {
  it("shows the fields that apply to the chosen option", () => {
    const values = initialValues(httpAuth);
    expect(values).toEqual({ type: "bearer" });
    expect(visibleFields(httpAuth, values).map((f) => f.name)).toEqual(["type", "token", "base_url"]);
    expect(visibleFields(httpAuth, { type: "basic" }).map((f) => f.name)).toEqual(["type", "username", "base_url"]);
  });

  it("names the first missing or malformed field", () => {
    expect(credentialPayload(httpAuth, { type: "bearer" })).toEqual({ ok: false, error: "token: required" });
    expect(credentialPayload(httpAuth, { type: "bearer", token: "t", base_url: "ftp://x" })).toEqual({
      ok: false,
      error: "base_url: must be an absolute http(s) URL",
    });
  });

  it("creates with the visible non-empty fields only", () => {
    expect(credentialPayload(httpAuth, { type: "bearer", token: " t ", username: "hidden" })).toEqual({
      ok: true,
      data: { type: "bearer", token: "t" },
    });
  });

  it("edits send changed fields; an empty secret keeps the stored one", () => {
    const editing = { stored: { type: "bearer", base_url: "https://a.example" }, secretsSet: ["token"] };
    expect(credentialPayload(httpAuth, { type: "bearer", token: "", base_url: "" }, { editing })).toEqual({
      ok: true,
      data: { base_url: null },
    });
    expect(
      credentialPayload(httpAuth, { type: "bearer", token: "new", base_url: "https://a.example" }, { editing }),
    ).toEqual({
      ok: true,
      data: { token: "new" },
    });
  });
});
