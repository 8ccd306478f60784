import { describe, expect, it } from "vitest";
import { pollAfterMs, resyncAfterMs } from "../../../src/engine/waves.js";

const PERIOD = 10_000;

describe("shared ticks", () => {
  it("polls at least one period later, at most an eighth of a period more", () => {
    for (const now of [0, 1, 2_499, 2_500, 7_777, 123_456_789])
      for (const phase of [0, 0.3, 0.99]) {
        const delay = pollAfterMs(PERIOD, phase, now);
        expect(delay).toBeGreaterThanOrEqual(PERIOD);
        expect(delay).toBeLessThanOrEqual(PERIOD * 1.125);
      }
  });

  it("keys that finished within an eighth of a period of each other poll on one tick, and again on one tick after that", () => {
    const phase = 0.42;
    // A rollout of services whose writes ended 0, 40, 900 and 2,000 ms after the first.
    const finished = [1_000_100, 1_000_140, 1_000_600, 1_001_200].map((t) => t + phase * PERIOD);
    const ticks = finished.map((t) => t + pollAfterMs(PERIOD, phase, t));
    expect(new Set(ticks).size).toBe(1);
    // The next look takes a few ms per key: still one tick.
    const next = ticks.map((t, i) => t + 5 + 5 * i).map((t) => t + pollAfterMs(PERIOD, phase, t));
    expect(new Set(next).size).toBe(1);
    // Exactly one period after each finish (no grid) would have been four reads.
    expect(new Set(finished.map((t) => t + PERIOD)).size).toBe(4);
  });

  it("a resync tick is at least half a period away and shared by every key due", () => {
    const phase = 0.1;
    const ticks = [5_000, 5_100, 5_900].map((now) => now + resyncAfterMs(PERIOD, phase, now));
    expect(new Set(ticks).size).toBe(1);
    expect(resyncAfterMs(PERIOD, phase, 5_000)).toBeGreaterThanOrEqual(PERIOD / 2);
  });

  it("a period of zero or less is passed through (no polling)", () => {
    expect(pollAfterMs(0, 0.5, 1_000)).toBe(0);
  });
});
