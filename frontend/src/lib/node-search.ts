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
  "Data.filter": ["where", "keep", "remove items", "conditions"],
  "Data.sort": ["order by", "rank"],
  "Data.limit": ["first n", "top", "head", "take"],
  "Data.deduplicate": ["unique", "distinct", "dedupe"],
  "Data.aggregate": ["group by", "summarize", "sum", "count", "average", "totals"],
  "Data.split_out": ["item lists", "explode", "unnest", "flatten"],
  "Data.rename_keys": ["rename fields", "columns"],
  "Data.compare": ["diff", "compare datasets", "difference"],
  "DateTime.format": ["date & time", "timestamp", "timezone", "parse date"],
  "DateTime.shift": ["date & time", "add days", "date math", "timezone"],
  "Crypto.hash": ["crypto", "sha256", "md5", "checksum", "digest"],
  "Crypto.hmac": ["crypto", "signature", "sign", "verify webhook"],
  "XML.parse": ["xml to json", "soap"],
  "XML.build": ["json to xml", "soap"],
  "HTML.extract": ["scrape", "css selector", "parse html", "web page"],
  "CSV.parse": ["csv to json", "import csv", "comma separated"],
  "CSV.build": ["json to csv", "export csv", "comma separated"],
  "Spreadsheet.read": ["excel", "xlsx", "spreadsheet file"],
  "Spreadsheet.write": ["excel", "xlsx", "spreadsheet file"],
  "Text.split": ["chunk", "text splitter", "embeddings", "rag"],
  "Postgres.query": ["sql", "database", "select"],
  "Postgres.execute": ["sql", "database", "insert", "update"],
  "MySQL.query": ["sql", "database", "mariadb", "select"],
  "MySQL.execute": ["sql", "database", "mariadb", "insert", "update"],
  "Drive.list_files": ["gdrive", "cloud storage"],
  "Drive.upload_file": ["gdrive", "cloud storage"],
  "Drive.download_file": ["gdrive", "cloud storage"],
  "Drive.create_folder": ["gdrive", "cloud storage"],
  "Drive.trigger": ["gdrive", "new file", "file changed"],
  "Dropbox.upload_file": ["cloud storage"],
  "Dropbox.download_file": ["cloud storage"],
  "Dropbox.list_folder": ["cloud storage"],
  "S3.put_object": ["aws", "minio", "bucket", "object storage", "upload"],
  "S3.get_object": ["aws", "minio", "bucket", "object storage", "download"],
  "S3.list_objects": ["aws", "minio", "bucket", "object storage"],
  "Sheets.read_range": ["gsheets", "spreadsheet"],
  "Sheets.append_rows": ["gsheets", "spreadsheet", "add row"],
  "Sheets.update_range": ["gsheets", "spreadsheet"],
  "Sheets.lookup_rows": ["gsheets", "spreadsheet", "find row"],
  "RSS.read": ["feed", "atom", "news", "blog", "podcast"],
};

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A node's searchable words, split once per spec rather than on every keystroke. */
interface Indexed {
  title: string[];
  type: string[];
  synonyms: string[];
  description: string[];
  category: string;
  titleText: string;
  typeText: string;
  synonymTexts: readonly string[];
}

const INDEX = new WeakMap<NodeSpec, Indexed>();

function indexed(spec: NodeSpec): Indexed {
  let entry = INDEX.get(spec);
  if (!entry) {
    const synonymTexts = SYNONYMS[spec.type] ?? [];
    entry = {
      title: words(spec.title),
      type: words(spec.type),
      synonyms: synonymTexts.flatMap(words),
      description: words(spec.description),
      category: spec.category.toLowerCase(),
      titleText: spec.title.toLowerCase(),
      typeText: spec.type.toLowerCase(),
      synonymTexts,
    };
    INDEX.set(spec, entry);
  }
  return entry;
}

/** How well one query word matches a node; 0 when it does not. */
function wordScore(word: string, node: Indexed): number {
  if (node.title.includes(word)) return 12;
  if (node.title.some((w) => w.startsWith(word))) return 10;
  if (node.type.some((w) => w.startsWith(word))) return 7;
  if (node.synonyms.some((w) => w.startsWith(word))) return 6;
  if (node.category.startsWith(word)) return 3;
  if (node.description.some((w) => w.startsWith(word))) return 1;
  return 0;
}

/** A node's match score for `query` (0: no match). Every word of the query must match something. */
export function nodeScore(spec: NodeSpec, query: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 1;
  const node = indexed(spec);
  let score = 0;
  for (const w of words(q)) {
    const s = wordScore(w, node);
    if (s === 0) return 0;
    score += s;
  }
  if (node.titleText === q || node.typeText === q) score += 50;
  else if (node.titleText.startsWith(q)) score += 20;
  if (node.synonymTexts.includes(q)) score += 15;
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
