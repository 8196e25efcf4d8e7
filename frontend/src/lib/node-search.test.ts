import { describe, expect, it } from "vitest";
import type { NodeSpec } from "../api/types";
import { searchNodes } from "./node-search";

function spec(type: string, title: string, category: string, description: string): NodeSpec {
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

const CATALOGUE = [
  spec("Core.set", "Set values", "Core", "Output the given values."),
  spec("HTTP.request", "HTTP request", "Core", "Send an HTTP request and output its status."),
  spec("Core.if", "If", "Flow", "Send the incoming value to the true or the false branch."),
  spec("Core.loop", "Loop over items", "Flow", "Run a node once per item of a list."),
  spec("Webhook.trigger", "Webhook", "Triggers", "Start the graph when an HTTP request arrives."),
  spec("Slack.send", "Slack: send message", "Communication", "Post a message to a channel."),
];

const found = (q: string) => searchNodes(CATALOGUE, q).map((s) => s.type);

describe("searchNodes", () => {
  it("finds a node by the words people use for it", () => {
    expect(found("fetch url")[0]).toBe("HTTP.request");
    expect(found("condition")[0]).toBe("Core.if");
    expect(found("for each")[0]).toBe("Core.loop");
  });

  it("ranks title matches before descriptions", () => {
    expect(found("http")).toEqual(["HTTP.request", "Webhook.trigger"]);
    expect(found("webhook")[0]).toBe("Webhook.trigger");
  });

  it("matches types and unknown nodes by their own words", () => {
    expect(found("Core.set")[0]).toBe("Core.set");
    expect(found("slack mess")).toEqual(["Slack.send"]);
  });

  it("knows the words n8n users have for the data and service nodes", () => {
    const more = [
      ...CATALOGUE,
      spec("Spreadsheet.read", "Read spreadsheet", "Files", "Read the rows of an XLSX sheet."),
      spec("Data.deduplicate", "Remove duplicates", "Data", "Drop repeated items."),
      spec("RSS.read", "Read RSS feed", "Web", "Fetch an RSS or Atom feed."),
    ];
    const inMore = (q: string) => searchNodes(more, q).map((s) => s.type);
    expect(inMore("excel")).toEqual(["Spreadsheet.read"]);
    expect(inMore("distinct")).toEqual(["Data.deduplicate"]);
    expect(inMore("atom")[0]).toBe("RSS.read");
  });

  it("needs every word to match, and lists everything for an empty query", () => {
    expect(found("http zebra")).toEqual([]);
    expect(found("")).toEqual(CATALOGUE.map((s) => s.type));
  });
});
