import { describe, expect, it } from "vitest";
import { mergeReads } from "../../../src/engine/live-state.js";
import type { LiveReads } from "../../../src/resources/live-snapshot.js";

/*
 * The snapshot is every plug-in's LiveReads merged field by field: the engine names no kind's
 * field, so a kind with a field of its own (schedules, scalable targets, the next one) is carried
 * into the plan without an engine change.
 */
describe("mergeReads", () => {
  it("merges each field over the plug-ins that filled it and leaves unread fields out", () => {
    const services: LiveReads = { services: new Map([["Service/ops/api", { serviceName: "api" }]]) };
    const shared: LiveReads = { resources: new Map([["Widget/a", { id: "a" }]]) };
    const schedules: LiveReads = {
      schedules: new Map([["Schedule/default/nightly", { Name: "nightly" }]]),
      resources: new Map([["Gadget/b", undefined]]),
    };
    const merged = mergeReads([services, {}, shared, schedules]);
    expect(Object.keys(merged).sort()).toEqual(["resources", "schedules", "services"]);
    expect([...(merged.resources ?? new Map()).keys()]).toEqual(["Widget/a", "Gadget/b"]);
    expect(merged.resources?.has("Gadget/b")).toBe(true);
    expect(merged.schedules?.get("Schedule/default/nightly")).toEqual({ Name: "nightly" });
    expect("scalableTargets" in merged).toBe(false);
  });

  it("carries a field the engine has never heard of", () => {
    const widgets = { widgets: new Map([["Widget/x", { size: 3 }]]) } as unknown as LiveReads;
    expect((mergeReads([widgets]) as Record<string, unknown>)["widgets"]).toEqual(new Map([["Widget/x", { size: 3 }]]));
  });
});
