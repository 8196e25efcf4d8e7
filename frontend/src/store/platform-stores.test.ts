import { describe, expect, it } from "vitest";
import type { NodeRunRead, RunRead } from "../api/types";
import { createRunStore } from "./run-store";
import { createTriggerStore } from "./trigger-store";

const run = (id: string): RunRead => ({ id, graph_id: "g", status: "running", node_runs: [] }) as unknown as RunRead;
const step = (id: string, patch: Partial<NodeRunRead> = {}): NodeRunRead =>
  ({
    id,
    node_id: `agent#1:${id}`,
    node_type: "gpt",
    kind: "llm_call",
    parent_node_run_id: "nr1",
    status: "running",
    finished_at: null,
    ...patch,
  }) as NodeRunRead;

describe("run store steps", () => {
  it("keeps agent steps apart from graph node statuses", () => {
    const s = createRunStore();
    s.getState().setRun(run("r1"));
    s.getState().upsertStep(step("a"));
    // A child row arriving as a node event is a step too.
    s.getState().upsertNodeRun(step("b"));
    expect(Object.keys(s.getState().steps).sort()).toEqual(["a", "b"]);
    expect(s.getState().nodeRuns).toEqual({});
  });

  it("does not let a late unfinished copy replace a finished step", () => {
    const s = createRunStore();
    s.getState().setRun(run("r1"));
    s.getState().upsertStep(step("a", { status: "succeeded", finished_at: "2026-01-01T00:00:00Z" }));
    s.getState().upsertStep(step("a"));
    expect(s.getState().steps.a.status).toBe("succeeded");
  });

  it("keeps steps across snapshots of the same run and drops them for another run", () => {
    const s = createRunStore();
    s.getState().setRun(run("r1"));
    s.getState().upsertStep(step("a"));
    s.getState().setRun(run("r1"));
    expect(Object.keys(s.getState().steps)).toEqual(["a"]);
    s.getState().setRun(run("r2"));
    expect(s.getState().steps).toEqual({});
  });
});

describe("trigger store", () => {
  it("groups webhooks and schedules by node and tracks the secret", () => {
    const t = createTriggerStore();
    expect(t.getState().known).toBe(false);
    t.getState().setFromGraph({
      webhooks: [
        { node_id: "hook", path: "a", url: "http://x/hooks/a", methods: ["POST"] },
        { node_id: "hook", path: "b", url: "http://x/hooks/b", methods: ["GET"] },
      ],
      schedules: [
        {
          id: "s1",
          graph_id: "g",
          node_id: "cron",
          cron: "* * * * *",
          timezone: "UTC",
          missed_policy: "skip",
          enabled: true,
          next_fire_at: "2026-01-01T00:01:00Z",
          last_fire_at: null,
        },
      ],
      polls: [
        {
          node_id: "mail",
          node_type: "Gmail.trigger",
          interval_seconds: 60,
          enabled: true,
          next_poll_at: "2026-01-01T00:01:00Z",
          last_polled_at: null,
          last_error: null,
          runs_started: 0,
          started: false,
        },
      ],
      has_webhook_secret: false,
    });
    const s = t.getState();
    expect(s.polls.mail[0].interval_seconds).toBe(60);
    expect(s.known).toBe(true);
    expect(s.webhooks.hook.map((h) => h.path)).toEqual(["a", "b"]);
    expect(s.schedules.cron[0].next_fire_at).toBe("2026-01-01T00:01:00Z");
    expect(s.hasSecret).toBe(false);
    s.setHasSecret(true);
    expect(t.getState().hasSecret).toBe(true);
  });

  it("says the secret is unknown when the server does not report it", () => {
    const t = createTriggerStore();
    t.getState().setFromGraph({ webhooks: [] });
    expect(t.getState().hasSecret).toBeNull();
  });
});
