import { describe, expect, it } from "vitest";
import { fullJitter, jittered } from "../../src/jitter.js";

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

describe("fullJitter", () => {
  it.each([
    [0, 0],
    [0.5, 400],
    [0.999, 799.2],
  ])("random %f of 800 ms → %f (anywhere in the whole window)", (r, expected) => {
    expect(fullJitter(800, () => r)).toBeCloseTo(expected, 9);
  });
});
