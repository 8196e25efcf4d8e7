import { describe, expect, it } from "vitest";
import type { NodeSpec } from "../api/types";
import { matchesQuery, paletteGroups } from "./palette";

function spec(type: string, category: string, title: string, description: string): NodeSpec {
  return {
    type,
    title,
    category,
    description,
    params_schema: {},
    inputs: [],
    outputs: [],
    dynamic_outputs: false,
    credentials: [],
    pure: false,
    trigger: false,
    tool: true,
    timeout_s: 30,
    retries: 0,
  };
}

const CATALOGUE: NodeSpec[] = [
  spec("Drive.upload_file", "Files", "Drive: upload file", "Upload a stored file or text to Google Drive."),
  spec("Drive.list_files", "Files", "Drive: list files", "List files in Google Drive, by folder or name."),
  spec("Dropbox.upload_file", "Files", "Dropbox: upload file", "Upload a file to Dropbox."),
  spec("Sheets.append_rows", "Data", "Sheets: append rows", "Append objects as rows under the header."),
  spec("Data.filter", "Data", "Filter", "Keep items matching conditions joined by and/or."),
  spec("Gmail.send_message", "Communication", "Gmail: send message", "Send an email from Gmail."),
  // The rest of a catalogue past 70 types, so the search runs at the size users see.
  ...Array.from({ length: 90 }, (_, i) =>
    spec(`Extra.node_${i}`, `Group ${i % 9}`, `Extra ${i}`, "Filler for a catalogue of realistic size."),
  ),
];

describe("palette search", () => {
  it("keeps the node types holding every word, in any field and any case", () => {
    const found = paletteGroups(CATALOGUE, "  DRIVE upload ");
    expect(found).toEqual([["Files", [CATALOGUE[0]]]]);
    expect(paletteGroups(CATALOGUE, "google folder").flatMap(([, s]) => s.map((x) => x.type))).toEqual([
      "Drive.list_files",
    ]);
    expect(matchesQuery(CATALOGUE[3], "data header")).toBe(true);
  });

  it("groups what matches by category, alphabetically, keeping the catalogue's order inside", () => {
    const groups = paletteGroups(CATALOGUE, "upload");
    expect(groups.map(([category, specs]) => [category, specs.map((s) => s.type)])).toEqual([
      ["Files", ["Drive.upload_file", "Dropbox.upload_file"]],
    ]);
    const all = paletteGroups(CATALOGUE, "");
    expect(all.map(([category]) => category)).toEqual([...new Set(CATALOGUE.map((s) => s.category))].sort());
    expect(all.reduce((n, [, specs]) => n + specs.length, 0)).toBe(CATALOGUE.length);
  });

  it("finds nothing for words no node type holds", () => {
    expect(paletteGroups(CATALOGUE, "drive zebra")).toEqual([]);
  });
});
