import { authHeaders } from "./client";

export interface SseMessage {
  event: string;
  data: string;
}

/** Incremental parser for a `text/event-stream` body: feed chunks, get complete messages. */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  feed(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const sepLen = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sepLen);
      if (line === "") {
        if (this.data.length) out.push({ event: this.event || "message", data: this.data.join("\n") });
        this.event = "";
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
    }
    return out;
  }
}

/**
 * Read a server-sent events stream with fetch, because EventSource cannot send the API key header.
 * Resolves when the server ends the stream; rejects on HTTP errors (not on abort).
 */
export async function streamEvents(
  path: string,
  onMessage: (msg: SseMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const resp = await fetch(path, { headers: authHeaders({ Accept: "text/event-stream" }), signal });
  if (!resp.ok || !resp.body) throw new Error(`event stream answered ${resp.status}`);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const msg of parser.feed(value)) onMessage(msg);
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
