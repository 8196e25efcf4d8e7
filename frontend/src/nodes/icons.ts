import type { NodeSpec } from "../api/types";

/** Glyphs for the icon names node specs declare (`NodeSpec.icon` in backend/kyra/spec.py). */
export const ICONS: Record<string, string> = {
  agent: "🤖",
  alarm: "⏰",
  approval: "✅",
  braces: "{}",
  branch: "⑂",
  bucket: "🪣",
  calendar: "📅",
  chat: "💬",
  clock: "⏱",
  cloud: "☁",
  code: "🐍",
  compare: "⚖",
  compress: "🗜",
  database: "🛢",
  dedupe: "🧹",
  download: "⬇",
  edit: "✏",
  filter: "⏚",
  folder: "📁",
  globe: "🌐",
  graph: "🕸",
  hash: "#",
  hook: "🪝",
  html: "🧩",
  inbox: "📥",
  key: "🔑",
  limit: "✂",
  list: "☰",
  loop: "🔁",
  mail: "✉",
  memory: "🧠",
  merge: "⇉",
  play: "▶",
  record: "🗂",
  reflect: "🪞",
  rename: "🏷",
  reply: "↩",
  research: "🔬",
  rss: "📡",
  scissors: "✂",
  search: "🔍",
  send: "✈",
  sheet: "📊",
  sort: "⇅",
  split: "⑃",
  subgraph: "⧉",
  sum: "Σ",
  switch: "🔀",
  table: "📄",
  tags: "‹›",
  think: "💭",
  upload: "⤴",
  wait: "⏳",
};

const BY_CATEGORY: Record<string, string> = {
  AI: "✨",
  Data: "▦",
  Files: "📄",
  Flow: "⑂",
  Triggers: "▶",
};

/** The glyph of a node type: its own icon, else its category's, else a dot. */
export function iconOf(spec: Pick<NodeSpec, "icon" | "category"> | undefined): string {
  if (!spec) return "•";
  return (spec.icon && ICONS[spec.icon]) || BY_CATEGORY[spec.category] || "•";
}
