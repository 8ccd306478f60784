import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import type { AlertEvent, AlertSink } from "../../../src/alerts/types.js";
import { EcsGitopsError } from "../../../src/errors.js";
import { captureLog } from "./capture-log.js";

function event(n: number): AlertEvent {
  return {
    type: "drift.opened",
    key: `Service/prod/s${n}`,
    kind: "Service",
    name: `s${n}`,
    firstSeen: "2025-01-01T00:00:00.000Z",
    at: "2025-01-01T00:00:00.000Z",
  };
}

class RecordingSink implements AlertSink {
  readonly received: string[] = [];
  constructor(readonly name: string) {}
  async send(e: AlertEvent): Promise<void> {
    this.received.push(e.key);
  }
}

/** A sink whose sends complete only when the test says so. */
class GatedSink implements AlertSink {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  #release: (() => void)[] = [];
  constructor(readonly name: string) {}
  send(e: AlertEvent): Promise<void> {
    this.started.push(e.key);
    return new Promise((resolve) => {
      this.#release.push(() => {
        this.finished.push(e.key);
        resolve();
      });
    });
  }
  releaseAll(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

const hungSink: AlertSink = { name: "hung", send: () => new Promise<void>(() => {}) };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function counterValue(registry: Registry, name: string, sink: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels["sink"] === sink)?.value;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("AlertDispatcher", () => {
  it("hands sinks no password in a URL, wherever the alert carries one", async () => {
    const { log } = captureLog();
    const seen: AlertEvent[] = [];
    const sink: AlertSink = { name: "capture", send: async (e) => void seen.push(e) };
    const dispatcher = new AlertDispatcher({ sinks: [sink], log });
    const leaky: AlertEvent = {
      ...event(1),
      type: "sync.failed",
      error: { code: "SourceUnavailable", message: "fetch from HTTPS://deploy:pw-77c1@git.example.com/acme/deploy.git failed" },
      fields: [{ path: "/environment/0/value", desired: "postgres://app:pw-77c1@db:5432/shop", live: undefined }],
    };
    dispatcher.emit(leaky);
    await dispatcher.flush(1_000);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen)).not.toContain("pw-77c1");
    expect(seen[0]?.error?.message).toContain("HTTPS://***@git.example.com");
  });

  it("returns from emit at once although a sink never settles, and the other sinks still deliver", async () => {
    const { log } = captureLog();
    const recording = new RecordingSink("recording");
    const dispatcher = new AlertDispatcher({ sinks: [hungSink, recording], log });
    const sendSpy = vi.spyOn(hungSink, "send");

    const results = [1, 2, 3].map((n) => dispatcher.emit(event(n)));

    expect(results).toEqual([undefined, undefined, undefined]);
    expect(sendSpy).not.toHaveBeenCalled(); // delivery starts after emit returned
    await tick();
    expect(recording.received).toEqual(["Service/prod/s1", "Service/prod/s2", "Service/prod/s3"]);
    expect(sendSpy).toHaveBeenCalledTimes(1);
    expect(dispatcher.pending()).toEqual({ hung: 2, recording: 0 });
    sendSpy.mockRestore();
  });

  it("delivers to each sink in emit order, one alert at a time", async () => {
    const { log } = captureLog();
    const gated = new GatedSink("gated");
    const dispatcher = new AlertDispatcher({ sinks: [gated], log });
    dispatcher.emitAll([event(1), event(2), event(3)]);
    await tick();
    expect(gated.started).toEqual(["Service/prod/s1"]);
    for (let i = 0; i < 3; i++) {
      gated.releaseAll();
      await tick();
    }
    expect(gated.finished).toEqual(["Service/prod/s1", "Service/prod/s2", "Service/prod/s3"]);
    expect(await dispatcher.flush(1000)).toBe(true);
  });

  it("logs a failing sink with its name and counts it, without affecting the others", async () => {
    const { log, lines } = captureLog();
    const registry = new Registry();
    const rejecting: AlertSink = { name: "webhook", send: async () => Promise.reject(new EcsGitopsError("InvalidRequest", "HTTP 404")) };
    const throwing: AlertSink = {
      name: "broken",
      send: () => {
        throw new Error("synchronous bug");
      },
    };
    const recording = new RecordingSink("recording");
    const dispatcher = new AlertDispatcher({ sinks: [rejecting, throwing, recording], log, registry });

    expect(() => dispatcher.emitAll([event(1), event(2)])).not.toThrow();
    expect(await dispatcher.flush(1000)).toBe(true);

    expect(recording.received).toHaveLength(2);
    const failures = lines.filter((l) => l.msg === "alert delivery failed");
    expect(failures.map((l) => `${String(l["sink"])} ${String(l["key"])}`).sort()).toEqual([
      "broken Service/prod/s1",
      "broken Service/prod/s2",
      "webhook Service/prod/s1",
      "webhook Service/prod/s2",
    ]);
    expect(failures.find((l) => l["sink"] === "webhook")).toMatchObject({
      code: "InvalidRequest",
      event: "drift.opened",
      key: "Service/prod/s1",
    });
    expect(await counterValue(registry, "ecs_gitops_alerts_failed_total", "webhook")).toBe(2);
    expect(await counterValue(registry, "ecs_gitops_alerts_failed_total", "broken")).toBe(2);
    expect(await counterValue(registry, "ecs_gitops_alerts_failed_total", "recording")).toBeUndefined();
  });

  it("drops the oldest waiting alert when a sink's queue is full, and says so once", async () => {
    const { log, lines } = captureLog();
    const registry = new Registry();
    const gated = new GatedSink("gated");
    const dispatcher = new AlertDispatcher({ sinks: [gated], log, registry, maxQueue: 2 });
    dispatcher.emit(event(1));
    await tick(); // s1 is in flight, the queue is empty
    dispatcher.emitAll([event(2), event(3), event(4), event(5)]);

    expect(dispatcher.pending()).toEqual({ gated: 2 });
    expect(await counterValue(registry, "ecs_gitops_alerts_dropped_total", "gated")).toBe(2);
    expect(lines.filter((l) => l.msg === "alert queue full, dropping oldest")).toHaveLength(1);

    for (let i = 0; i < 3; i++) {
      gated.releaseAll();
      await tick();
    }
    expect(gated.finished).toEqual(["Service/prod/s1", "Service/prod/s4", "Service/prod/s5"]);
    expect(lines.find((l) => l.msg === "alert queue drained after overflow")).toMatchObject({ sink: "gated", dropped: 2 });
  });

  it("flush reports false when a sink is still busy at the deadline", async () => {
    vi.useFakeTimers();
    const { log } = captureLog();
    const dispatcher = new AlertDispatcher({ sinks: [hungSink], log });
    dispatcher.emit(event(1));
    const flushed = dispatcher.flush(500);
    await vi.advanceTimersByTimeAsync(500);
    expect(await flushed).toBe(false);
  });

  it("gives up on a send that never settles after sendTimeoutMs and moves on to the next alert", async () => {
    vi.useFakeTimers();
    const { log, lines } = captureLog();
    const calls: string[] = [];
    const sink: AlertSink = {
      name: "hung",
      send: (e) => {
        calls.push(e.key);
        return new Promise<void>(() => {});
      },
    };
    const dispatcher = new AlertDispatcher({ sinks: [sink], log, sendTimeoutMs: 1000 });
    dispatcher.emitAll([event(1), event(2)]);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual(["Service/prod/s1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["Service/prod/s1", "Service/prod/s2"]);
    expect(lines.filter((l) => l.msg === "alert delivery failed").map((l) => l["sink"])).toEqual(["hung"]);
  });
});
