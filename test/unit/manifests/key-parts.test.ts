import { describe, expect, it } from "vitest";
import { keyParts } from "../../../src/manifests/key-parts.js";
import { readResourceKey } from "../../../src/manifests/identity.js";

describe("keyParts (the one split of a resource key, bundled by the dashboard)", () => {
  it.each([
    ["Service/payments/api", { kind: "Service", scope: "payments", name: "api" }],
    ["TaskDefinition/api", { kind: "TaskDefinition", scope: undefined, name: "api" }],
    ["Schedule/team/a/nightly", { kind: "Schedule", scope: "team/a", name: "nightly" }],
  ])("%s", (key, parts) => {
    expect(keyParts(key)).toEqual(parts);
  });

  it.each(["", "Service", "Service/", "/api", "Service/payments/"])("%j is no key", (key) => {
    expect(keyParts(key)).toBeUndefined();
  });

  it("identity's readResourceKey is keyParts plus a kind we manage", () => {
    expect(readResourceKey("Service/payments/api")).toEqual(keyParts("Service/payments/api"));
    expect(keyParts("Widget/payments/api")).toEqual({ kind: "Widget", scope: "payments", name: "api" });
    expect(readResourceKey("Widget/payments/api")).toBeUndefined();
  });
});
