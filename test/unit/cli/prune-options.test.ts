import { describe, expect, it } from "vitest";
import { pruneEnabled } from "../../../src/cli/prune-options.js";
import { DEFAULT_CONFIG } from "../../../src/config.js";

const on = { ...DEFAULT_CONFIG, syncPolicy: { ...DEFAULT_CONFIG.syncPolicy, prune: true } };

describe("prune for diff and apply: flag, then ECS_GITOPS_PRUNE, then ecs-gitops.yaml", () => {
  it("is off by default", () => expect(pruneEnabled(undefined, {}, undefined)).toBe(false));
  it("follows ecs-gitops.yaml", () => expect(pruneEnabled(undefined, {}, on)).toBe(true));
  it("the environment variable wins over the file", () => {
    expect(pruneEnabled(undefined, { ECS_GITOPS_PRUNE: "true" }, undefined)).toBe(true);
    expect(pruneEnabled(undefined, { ECS_GITOPS_PRUNE: "false" }, on)).toBe(false);
  });
  it("the flag wins over both", () => expect(pruneEnabled(true, { ECS_GITOPS_PRUNE: "false" }, undefined)).toBe(true));
  it("refuses a value that is not a boolean", () =>
    expect(() => pruneEnabled(undefined, { ECS_GITOPS_PRUNE: "maybe" }, on)).toThrow(/true or false/));
});
