import { describe, expect, it } from "vitest";
import { triggerKind } from "./triggers";

describe("triggerKind", () => {
  it("tells webhooks, schedules, inbound and polling service triggers apart", () => {
    expect(triggerKind("Webhook.trigger")).toBe("webhook");
    expect(triggerKind("Schedule.trigger")).toBe("schedule");
    expect(triggerKind("WhatsApp.trigger", { receives: true, polls: false })).toBe("inbound");
    expect(triggerKind("Email.trigger", { receives: false, polls: true })).toBe("poll");
    expect(triggerKind("Manual.trigger", { receives: false, polls: false })).toBeNull();
    expect(triggerKind("Slack.trigger")).toBeNull(); // catalogue not loaded yet
  });
});
