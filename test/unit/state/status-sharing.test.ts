import { describe, expect, it } from "vitest";
import { StatusStore } from "../../../src/state/status.js";
import type { ResourceStatus } from "../../../src/state/status.js";

const source = { url: "https://git.example.com/acme/ops.git", branch: "release", path: "ecs" };
const key = "Service/staging/billing-api" as const;

// The reconciler reads and writes every key on every resync: the store hands out its own frozen
// status instead of a deep copy each time, and a write shares the fields it did not change.
describe("StatusStore shares frozen statuses instead of copying them", () => {
  function storeWithHistory() {
    const store = new StatusStore({ source });
    const history = [{ commit: "9f1c2e7", at: "2026-11-30T08:15:00.000Z", outcome: "Succeeded" }];
    store.update(key, { sync: "Synced", health: "Healthy", history: history as unknown as ResourceStatus["history"] });
    return { store, history };
  }

  it("returns the same object from get while nothing is written", () => {
    const { store } = storeWithHistory();
    expect(store.get(key)).toBe(store.get(key));
    expect(store.get("Service/staging/nope")).toBeUndefined();
  });

  it("keeps an unchanged field's object across a write, and a changed one is new", () => {
    const { store } = storeWithHistory();
    const before = store.get(key);
    const after = store.update(key, { health: "Degraded", message: "2 of 3 tasks running" });
    expect(after).not.toBe(before);
    expect(after.history).toBe(before?.history);
    expect(store.get(key)).toBe(after);
    expect(before?.health).toBe("Healthy");
  });

  it("cannot be changed through what it hands out, at any depth", () => {
    const { store } = storeWithHistory();
    const status = store.get(key) as ResourceStatus;
    expect(() => {
      status.health = "Missing";
    }).toThrow(TypeError);
    expect(() => {
      (status.history as unknown as { commit: string }[])[0]!.commit = "0000000";
    }).toThrow(TypeError);
    expect(() => status.history?.push(status.history[0]!)).toThrow(TypeError);
    expect(store.snapshot().resources[0]).toMatchObject({ health: "Healthy", history: [{ commit: "9f1c2e7" }] });
  });

  it("copies what a caller passes, so changing it afterwards does not reach the store", () => {
    const { store, history } = storeWithHistory();
    history[0]!.commit = "changed";
    history.push({ commit: "b44d0aa", at: "2026-12-01T00:00:00.000Z", outcome: "Failed" });
    expect(store.get(key)?.history).toHaveLength(1);
    expect(store.get(key)?.history?.[0]).toMatchObject({ commit: "9f1c2e7" });
  });

  it("snapshot hands out a copy the caller may change", () => {
    const { store } = storeWithHistory();
    const document = store.snapshot();
    document.resources[0]!.health = "Missing";
    document.resources[0]!.history!.length = 0;
    expect(store.get(key)).toMatchObject({ health: "Healthy", history: [{ commit: "9f1c2e7" }] });
  });
});
