import { describe, expect, it } from "vitest";
import { jittered } from "../../src/jitter.js";

describe("jittered", () => {
  it.each([
    [0, 0.1, 900],
    [0.5, 0.1, 1000],
    [1, 0.1, 1100],
    [0, 0.5, 500],
    [1, 0.5, 1500],
    [0.25, 0, 1000],
  ])("random %f, ±%f of 1000 ms → %f", (r, fraction, expected) => {
    expect(jittered(1000, fraction, () => r)).toBeCloseTo(expected, 9);
  });
});
