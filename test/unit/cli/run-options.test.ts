import { describe, expect, it } from "vitest";
import { parseBool, parseRateLimit } from "../../../src/cli/commands/run.js";

describe("run option parsing", () => {
  it("reads false as false, so ECS_GITOPS_SELF_HEAL=false disables self-heal", () => {
    expect(parseBool("false", "--self-heal")).toBe(false);
    expect(parseBool("true", "--self-heal")).toBe(true);
    expect(parseBool("", "--self-heal")).toBe(false);
    expect(() => parseBool("maybe", "--self-heal")).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });

  it("takes a rate-limit fraction in (0, 1] or off", () => {
    expect(parseRateLimit("0.5")).toBe(0.5);
    expect(parseRateLimit("off")).toBe(false);
    expect(() => parseRateLimit("2")).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });
});
