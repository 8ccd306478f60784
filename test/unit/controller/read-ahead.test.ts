import { describe, expect, it } from "vitest";
import { ReadAhead } from "../../../src/controller/batch-read.js";
import type { KeyRead } from "../../../src/controller/batch-read.js";
import type { DesiredState } from "../../../src/engine/desired-state.js";
import { orderStamp } from "../../../src/controller/write-order.js";

// Years away from the machine's clock: a freshness test that read the system clock would call every slice stale.
const READ_AT = Date.parse("2034-11-23T17:45:12.000Z");
const DESIRED: DesiredState = {
  commit: "c1",
  lastGoodCommit: "c1",
  manifests: new Map(),
  commitOf: new Map(),
  problems: [],
  brokenFiles: [],
};
const KEY = "Service/prod/web";

function aheadWith(at: number): ReadAhead {
  const ahead = new ReadAhead();
  const read: KeyRead = { type: "gone", desired: DESIRED, now: new Date(at), at, seq: 1, started: 0 };
  ahead.keep(new Map([[KEY, read]]));
  return ahead;
}

describe("a slice read ahead is fresh by the injected clock", () => {
  it("is taken up to maxAgeMs after its read, by the time the caller gives", () => {
    expect(aheadWith(READ_AT).take(KEY, DESIRED, READ_AT - 1, 60_000, READ_AT + 60_000)?.at).toBe(READ_AT);
  });

  it("is read again once older than maxAgeMs, or when the key was queued after the read", () => {
    expect(aheadWith(READ_AT).take(KEY, DESIRED, READ_AT - 1, 60_000, READ_AT + 60_001)).toBeUndefined();
    expect(aheadWith(READ_AT).take(KEY, DESIRED, READ_AT + 1, 60_000, READ_AT + 2)).toBeUndefined();
  });

  it("is never taken when it was read before the key's last reconcile ended: it predates that reconcile's writes", () => {
    const ahead = new ReadAhead();
    const read = (seq: number): KeyRead => ({ type: "gone", desired: DESIRED, now: new Date(READ_AT), at: READ_AT, seq, started: 0 });
    // Read ahead while the key was reconciled outside the queue (a service started its family's reconcile).
    ahead.keep(new Map([[KEY, read(orderStamp())]]));
    ahead.settled(KEY);
    expect(ahead.take(KEY, DESIRED, READ_AT - 1, 60_000, READ_AT + 1)).toBeUndefined();
    ahead.keep(new Map([[KEY, read(orderStamp())]]));
    expect(ahead.take(KEY, DESIRED, READ_AT - 1, 60_000, READ_AT + 1)?.at).toBe(READ_AT);
  });
});
