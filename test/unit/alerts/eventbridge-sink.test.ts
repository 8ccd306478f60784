import { describe, expect, it } from "vitest";
import { EventBridgeSink, MAX_DETAIL_FIELDS, toEventEntry } from "../../../src/alerts/eventbridge-sink.js";
import type { AlertEventEntry } from "../../../src/alerts/eventbridge-sink.js";
import type { AlertEvent } from "../../../src/alerts/types.js";
import { EcsGitopsError } from "../../../src/errors.js";

const opened: AlertEvent = {
  type: "drift.opened",
  key: "Service/prod/web",
  kind: "Service",
  name: "web",
  arn: "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
  commit: "0123456789abcdef0123456789abcdef01234567",
  fields: [
    { path: "/desiredCount", desired: 3, live: 5 },
    { path: "/enableExecuteCommand", desired: undefined, live: true },
    { path: "/platformVersion", desired: null, live: "1.4.0" },
  ],
  firstSeen: "2025-01-02T03:04:05.000Z",
  at: "2025-01-02T03:09:05.000Z",
  action: "reported",
};

describe("toEventEntry", () => {
  it.each([
    ["drift.opened", "ECS GitOps Drift Detected"],
    ["drift.resolved", "ECS GitOps Drift Resolved"],
    ["sync.failed", "ECS GitOps Sync Failed"],
    ["sync.recovered", "ECS GitOps Sync Recovered"],
  ] as const)("sends %s with source ecs-gitops and detail-type %s", (type, detailType) => {
    const entry = toEventEntry({ ...opened, type });
    expect(entry.source).toBe("ecs-gitops");
    expect(entry.detailType).toBe(detailType);
  });

  it("leaves kind out of an alert about no one resource (a prune pass blocked with no orphan), never a made-up kind", () => {
    const { kind: _kind, ...rest } = opened;
    const blocked: AlertEvent = { ...rest, type: "prune-blocked", key: "Prune/inventory", name: "" };
    expect(toEventEntry(blocked).detail).not.toHaveProperty("kind");
    expect(toEventEntry(opened).detail).toHaveProperty("kind", "Service");
  });

  it("builds the documented detail, with the ARN as the event's resource and the alert time as its time", () => {
    expect(toEventEntry(opened)).toEqual({
      source: "ecs-gitops",
      detailType: "ECS GitOps Drift Detected",
      resources: [opened.arn],
      time: new Date("2025-01-02T03:09:05.000Z"),
      detail: {
        version: "1",
        type: "drift.opened",
        key: "Service/prod/web",
        kind: "Service",
        name: "web",
        arn: opened.arn,
        commit: opened.commit,
        firstSeen: "2025-01-02T03:04:05.000Z",
        at: "2025-01-02T03:09:05.000Z",
        action: "reported",
        fields: [
          { path: "/desiredCount", desired: 3, live: 5 },
          { path: "/enableExecuteCommand", live: true },
          { path: "/platformVersion", desired: null, live: "1.4.0" },
        ],
        fieldCount: 3,
        fieldsTruncated: false,
      },
    });
  });

  it("omits resources when the ARN is not known", () => {
    const { arn: _arn, ...withoutArn } = opened;
    const entry = toEventEntry(withoutArn);
    expect(entry).not.toHaveProperty("resources");
    expect(entry.detail).not.toHaveProperty("arn");
  });

  it("carries the error of a failed sync and the resolution of a resolved drift", () => {
    expect(toEventEntry({ ...opened, type: "sync.failed", error: { code: "AccessDenied", message: "denied" } }).detail["error"]).toEqual({
      code: "AccessDenied",
      message: "denied",
    });
    expect(toEventEntry({ ...opened, type: "drift.resolved", resolution: "git" }).detail["resolution"]).toBe("git");
    expect(toEventEntry({ ...opened, update: "fields" }).detail["update"]).toBe("fields");
  });

  it("keeps at most 100 fields and says how many there were", () => {
    const fields = Array.from({ length: 150 }, (_, i) => ({ path: `/f${i}`, desired: i, live: i + 1 }));
    const entry = toEventEntry({ ...opened, fields });
    expect(entry.detail["fields"]).toHaveLength(MAX_DETAIL_FIELDS);
    expect(entry.detail["fieldCount"]).toBe(150);
    expect(entry.detail["fieldsTruncated"]).toBe(true);
  });

  it("stays below the 256 KiB PutEvents limit whatever drifted", () => {
    const huge = "é".repeat(20_000); // two bytes per character in UTF-8
    const fields = Array.from({ length: 150 }, (_, i) => ({ path: `/containerDefinitions/${i}/${huge}`, desired: huge, live: [huge] }));
    const entry = toEventEntry({ ...opened, fields, error: { code: "Internal", message: huge } });
    expect(entry.detail["fieldsTruncated"]).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(entry.detail))).toBeLessThan(256 * 1024);
    expect(JSON.stringify(entry.detail)).toContain("(truncated");
  });
});

describe("EventBridgeSink", () => {
  it("publishes one entry per alert", async () => {
    const published: AlertEventEntry[][] = [];
    const sink = new EventBridgeSink({ publish: async (entries) => void published.push(entries) });
    await sink.send(opened);
    expect(published).toEqual([[toEventEntry(opened)]]);
  });

  it("rejects when the publisher fails, so the dispatcher can log and count it", async () => {
    const sink = new EventBridgeSink({
      publish: async () => Promise.reject(new EcsGitopsError("AccessDenied", "events:PutEvents denied")),
    });
    await expect(sink.send(opened)).rejects.toMatchObject({ code: "AccessDenied" });
  });
});
