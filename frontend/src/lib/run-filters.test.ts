import { describe, expect, it } from "vitest";
import { apiFilters, filtersFromQuery, filtersToQuery, NO_FILTERS } from "./run-filters";

describe("run list filters", () => {
  it("round-trip through the page address", () => {
    const f = { ...NO_FILTERS, status: ["failed", "cancelled"], trigger: "webhook", q: "ab12" };
    expect(filtersToQuery(f)).toBe("?status=failed&status=cancelled&trigger=webhook&q=ab12");
    expect(filtersFromQuery(filtersToQuery(f))).toEqual(f);
    expect(filtersFromQuery("?status=bogus&status=failed").status).toEqual(["failed"]);
    expect(filtersToQuery(NO_FILTERS)).toBe("");
  });

  it("become the API query, the last day included", () => {
    const api = apiFilters({ ...NO_FILTERS, from: "2026-03-01", to: "2026-03-01", q: " AB-12 ", graph: "g1" });
    expect(new Date(api.until as string).getTime() - new Date(api.since as string).getTime()).toBe(86_400_000);
    expect(new Date(api.since as string).getDate()).toBe(1);
    expect(api).toMatchObject({ q: "ab-12", graph_id: "g1", status: [], trigger: [] });
    expect(apiFilters({ ...NO_FILTERS, q: "not a uuid!" }).q).toBeUndefined();
  });
});
