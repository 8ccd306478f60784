import { describe, expect, it } from "vitest";
import { LogSink } from "../../../src/alerts/log-sink.js";
import type { AlertEvent } from "../../../src/alerts/types.js";
import { captureLog } from "./capture-log.js";

const opened: AlertEvent = {
  type: "drift.opened",
  key: "Service/prod/web",
  kind: "Service",
  name: "web",
  commit: "abc123",
  fields: [{ path: "/desiredCount", desired: 3, live: 5 }],
  firstSeen: "2025-01-01T00:00:00.000Z",
  at: "2025-01-01T00:00:00.000Z",
  action: "reported",
};

describe("LogSink", () => {
  it.each([
    [{ type: "drift.opened" }, 40, "drift detected"],
    [{ type: "drift.opened", update: "fields" }, 40, "drift updated"],
    [{ type: "drift.resolved", resolution: "healed" }, 30, "drift resolved"],
    [{ type: "sync.failed", error: { code: "AccessDenied", message: "denied" } }, 50, "sync failed"],
    [{ type: "sync.recovered" }, 30, "sync recovered"],
  ] as const)("logs %o at level %i with a constant message", async (patch, level, msg) => {
    const { log, lines } = captureLog();
    await new LogSink(log).send({ ...opened, ...patch });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level, msg, event: patch.type, key: "Service/prod/web" });
  });

  it("puts the data in the log object: event, key, commit and the changed fields", async () => {
    const { log, lines } = captureLog();
    await new LogSink(log).send(opened);
    expect(lines[0]).toMatchObject({
      event: "drift.opened",
      key: "Service/prod/web",
      kind: "Service",
      name: "web",
      commit: "abc123",
      action: "reported",
      fields: [{ path: "/desiredCount", desired: 3, live: 5 }],
    });
    expect(lines[0]).not.toHaveProperty("type");
  });
});
