import { describe, expect, it } from "vitest";
import { ResourceRecords } from "../../../src/state/records.js";

describe("ResourceRecords", () => {
  it("keeps one record per key: fields set, cleared by undefined, all gone with forget", () => {
    const records = new ResourceRecords();
    expect(records.get("Service/prod/web")).toEqual({});
    records.update("Service/prod/web", { appliedAt: 5, seenLiveHash: "h1" });
    records.update("Service/prod/web", { seenLiveHash: undefined, postWrite: { serviceName: "web" } });
    expect(records.get("Service/prod/web")).toEqual({ appliedAt: 5, postWrite: { serviceName: "web" } });
    expect(records.get("Service/prod/api")).toEqual({});
    records.forget("Service/prod/web");
    expect(records.get("Service/prod/web")).toEqual({});
  });

  it("keeps registrations per family and notes each hand-made revision once", () => {
    const records = new ResourceRecords();
    expect(records.registeredAt("web")).toBe(0);
    records.registered("web", 42);
    expect(records.registeredAt("web")).toBe(42);
    expect([records.noteRevision("arn:1"), records.noteRevision("arn:1"), records.noteRevision("arn:2")]).toEqual([true, false, true]);
  });
});
