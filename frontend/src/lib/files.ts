/** A stored file as nodes pass it on (docs/API.md, "Files"). */
export interface FileRef {
  $file: string;
  name: string;
  mime: string;
  size: number;
}

export function isFileRef(value: unknown): value is FileRef {
  return typeof value === "object" && value !== null && typeof (value as { $file?: unknown }).$file === "string";
}

/** Every file reference inside a JSON value, in document order, each file once. */
export function findFileRefs(value: unknown, limit = 50): FileRef[] {
  const found = new Map<string, FileRef>();
  const visit = (v: unknown): void => {
    if (found.size >= limit || v === null || typeof v !== "object") return;
    if (isFileRef(v)) {
      found.set(v.$file, v);
      return;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child);
  };
  visit(value);
  return [...found.values()];
}

export function formatBytes(size: number): string {
  if (!Number.isFinite(size)) return "?";
  const units = ["B", "KB", "MB", "GB"];
  let n = size;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${unit ? n.toFixed(1) : n} ${units[unit]}`;
}
