/** Node search for the quick-add picker and the palette: titles, types, descriptions and synonyms. */

import type { NodeSpec } from "../api/types";

/** Words people use for a node that its title does not say ("fetch url" finds HTTP request). */
export const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  "HTTP.request": ["fetch", "url", "api", "rest", "curl", "get", "post", "download", "call endpoint", "web request"],
  "Core.set": ["edit fields", "assign", "map", "transform", "variables", "rename", "constant"],
  "Core.code": ["python", "script", "function", "custom code", "transform"],
  "Core.if": ["condition", "branch", "filter", "check", "compare", "boolean"],
  "Core.switch": ["route", "router", "case", "branches", "condition", "match"],
  "Core.loop": ["for each", "iterate", "split in batches", "map", "items", "batch", "each item"],
  "Core.merge": ["join", "combine", "wait for all", "zip", "gather"],
  "Core.wait": ["delay", "sleep", "pause", "timer"],
  "Core.subgraph": ["workflow", "execute workflow", "call graph", "sub-workflow", "reuse"],
  "Core.approval": ["human", "review", "confirm", "human in the loop", "manual approval"],
  "Core.think": ["reason", "plan", "chain of thought"],
  "Core.reflect": ["critique", "review", "evaluate", "self check"],
  "Web.research": ["search", "google", "browse", "internet", "scrape", "web search"],
  "JSON.parse": ["decode", "deserialize", "string to json", "parse"],
  "AI.chat": ["llm", "gpt", "openai", "anthropic", "claude", "prompt", "completion", "model", "ai"],
  "AI.agent": ["llm", "tools", "assistant", "autonomous", "gpt", "claude", "ai"],
  "Manual.trigger": ["start", "button", "on click", "test", "run by hand"],
  "Webhook.trigger": ["http trigger", "endpoint", "api trigger", "incoming request", "hook", "on request"],
  "Webhook.respond": ["reply", "response", "return", "answer webhook", "http response"],
  "Schedule.trigger": ["cron", "timer", "interval", "every day", "periodic", "schedule"],
  "Telegram.trigger": ["bot", "chat", "message received", "on message"],
  "Telegram.send_message": ["bot", "chat", "notify", "send message"],
};

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** How well one query word matches a node; 0 when it does not. */
function wordScore(word: string, spec: NodeSpec, synonyms: readonly string[]): number {
  const title = words(spec.title);
  if (title.some((w) => w === word)) return 12;
  if (title.some((w) => w.startsWith(word))) return 10;
  if (words(spec.type).some((w) => w.startsWith(word))) return 7;
  if (synonyms.some((s) => words(s).some((w) => w.startsWith(word)))) return 6;
  if (spec.category.toLowerCase().startsWith(word)) return 3;
  if (words(spec.description).some((w) => w.startsWith(word))) return 1;
  return 0;
}

/** A node's match score for `query` (0: no match). Every word of the query must match something. */
export function nodeScore(spec: NodeSpec, query: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 1;
  const synonyms = SYNONYMS[spec.type] ?? [];
  let score = 0;
  for (const w of words(q)) {
    const s = wordScore(w, spec, synonyms);
    if (s === 0) return 0;
    score += s;
  }
  const title = spec.title.toLowerCase();
  if (title === q || spec.type.toLowerCase() === q) score += 50;
  else if (title.startsWith(q)) score += 20;
  if (synonyms.includes(q)) score += 15;
  return score;
}

/** Specs matching `query`, best first (the catalogue order when the query is empty). */
export function searchNodes(specs: readonly NodeSpec[], query: string): NodeSpec[] {
  return specs
    .map((spec, index) => ({ spec, index, score: nodeScore(spec, query) }))
    .filter((m) => m.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((m) => m.spec);
}
