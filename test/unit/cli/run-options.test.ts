import { describe, expect, it } from "vitest";
import { parseBool, parsePeriod, parseRateLimit } from "../../../src/cli/commands/run.js";

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

  it("refuses an --interval under 5 s and a --resync under 30 s, in any unit", () => {
    const strict = {};
    for (const text of ["1ms", "999ms", "1s", "4s", "4999ms"])
      expect(() => parsePeriod("interval", text, strict), text).toThrow(
        expect.objectContaining({ code: "InvalidConfig", where: "--interval" }),
      );
    for (const text of ["1ms", "5s", "29s", "29999ms"])
      expect(() => parsePeriod("resync", text, strict), text).toThrow(
        expect.objectContaining({ code: "InvalidConfig", where: "--resync" }),
      );
    expect(parsePeriod("interval", "5s", strict)).toBe(5_000);
    expect(parsePeriod("interval", "5000ms", strict)).toBe(5_000);
    expect(parsePeriod("resync", "30s", strict)).toBe(30_000);
    expect(parsePeriod("resync", "1h", strict)).toBe(3_600_000);
  });

  it("allows shorter periods only with ECS_GITOPS_ALLOW_SHORT_INTERVALS=1, for test harnesses", () => {
    const env = { ECS_GITOPS_ALLOW_SHORT_INTERVALS: "1" };
    expect(parsePeriod("interval", "250ms", env)).toBe(250);
    expect(parsePeriod("resync", "1s", env)).toBe(1_000);
    expect(() => parsePeriod("interval", "1s", { ECS_GITOPS_ALLOW_SHORT_INTERVALS: "true" })).toThrow(
      expect.objectContaining({ code: "InvalidConfig" }),
    );
  });
});
