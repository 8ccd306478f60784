import { describe, expect, it } from "vitest";
import { PollLoop } from "../../../src/controller/poll-loop.js";

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A loop whose n-th poll lasts until `gates[n]` opens; `runs()` counts the polls started. */
function gatedLoop(gates: { promise: Promise<void> }[]): { loop: PollLoop; runs: () => number } {
  let runs = 0;
  const loop = new PollLoop(
    () => gates[runs++]!.promise,
    () => 60_000,
    () => false,
  );
  return { loop, runs: () => runs };
}

describe("PollLoop", () => {
  it("coalesces requests made during a poll into one more poll right after it", async () => {
    const gates = [gate(), gate()];
    const { loop, runs } = gatedLoop(gates);
    loop.now();
    loop.now();
    loop.now();
    expect(runs()).toBe(1);
    gates[0]!.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(runs()).toBe(2);
    gates[1]!.open();
    await loop.stop(() => 100);
    expect(runs()).toBe(2);
  });

  it("fresh() resolves only after a poll that started after the call, not the one in flight", async () => {
    const gates = [gate(), gate()];
    const { loop, runs } = gatedLoop(gates);
    loop.now();
    let fresh = false;
    const waiting = loop.fresh().then(() => (fresh = true));
    gates[0]!.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fresh).toBe(false);
    expect(runs()).toBe(2);
    gates[1]!.open();
    await waiting;
    expect(fresh).toBe(true);
    await loop.stop(() => 100);
  });

  it("starts nothing once its owner is stopping, and stop releases anyone waiting", async () => {
    let stopping = false;
    let runs = 0;
    const loop = new PollLoop(
      () => (runs++, new Promise<void>(() => undefined)),
      () => 60_000,
      () => stopping,
    );
    loop.now();
    const waiting = loop.fresh();
    stopping = true;
    loop.now();
    const started = Date.now();
    await loop.stop(() => 50);
    await waiting;
    expect(runs).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
