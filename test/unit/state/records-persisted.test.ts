import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DriftTracker } from "../../../src/state/drift.js";
import { openRecords } from "../../../src/state/record-store.js";
import { ResourceRecords } from "../../../src/state/records.js";
import type { SerializedRecords } from "../../../src/state/record-store.js";

const WEB = "Service/prod/web";
const API = "Service/prod/api";
const RULE = "ScheduledRule/default/nightly";
const AT = "2026-03-04T05:06:07.000Z";

/** A log that keeps its lines, to see the warnings a bad file gives. */
function recordingLog(): { log: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { log, lines };
}

/** A controller start as controller-setup.ts makes it: the records (carrying an old episodes.json over), the tracker on them. */
async function started(dir: string, log?: pino.Logger): Promise<{ tracker: DriftTracker; records: ResourceRecords }> {
  const records = await openRecords(join(dir, "records.json"), { ...(log && { log }), legacyEpisodes: join(dir, "episodes.json") });
  return { tracker: new DriftTracker({ records }), records };
}

describe("resource records across restarts (records.json)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-gitops-records-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keep the persisted fields across a save and restore; memory-only ones start empty", async () => {
    const first = await started(dir);
    first.records.update(WEB, { lastAppliedCommit: "c1", lastAppliedAt: AT, seenLiveHash: "h-web", appliedAt: 1, families: { web: "f1" } });
    first.records.update(WEB, { postWrite: { serviceName: "web" }, residue: new Map([["/desiredCount", 2]]) });
    first.records.update(API, { seenLiveHash: "h-api" });
    first.records.update(API, { seenLiveHash: "h-api2", families: { api: "f2", worker: "f3" } });
    first.records.update(RULE, { lastAppliedCommit: "c0" });
    await first.records.flush();

    const second = await started(dir);
    expect(second.records.get(WEB)).toEqual({ lastAppliedCommit: "c1", lastAppliedAt: AT, seenLiveHash: "h-web", families: { web: "f1" } });
    expect(second.records.get(API)).toEqual({ seenLiveHash: "h-api2", families: { api: "f2", worker: "f3" } });
    expect(second.records.get(RULE)).toEqual({ lastAppliedCommit: "c0" });
    expect(second.records.keys().sort()).toEqual([API, RULE, WEB].sort());

    // The rule leaves git: gone from memory and from the file.
    second.records.forget(RULE);
    await second.records.flush();
    const saved = JSON.parse(await readFile(join(dir, "records.json"), "utf8")) as SerializedRecords;
    expect(saved.records.map((r) => r.key)).toEqual([API, WEB]);
    expect((await started(dir)).records.get(RULE)).toEqual({});
  });

  it("forgetting the families of keys another replica held drops only those, on disk too", async () => {
    const first = await started(dir);
    first.records.update(WEB, { lastAppliedCommit: "c1", lastAppliedAt: AT, seenLiveHash: "h-web", families: { web: "f1" } });
    first.records.update(API, { lastAppliedCommit: "c1", families: { api: "f2" } });
    first.records.update(RULE, { lastAppliedCommit: "c0" });
    expect(first.records.forgetFamilies((key) => key !== API)).toBe(1);
    await first.records.flush();

    const second = await started(dir);
    // The applied commit stays: without it a difference reads as a pending deploy, not drift.
    expect(second.records.get(WEB)).toEqual({ lastAppliedCommit: "c1", lastAppliedAt: AT, seenLiveHash: "h-web" });
    expect(second.records.get(API)).toEqual({ lastAppliedCommit: "c1", families: { api: "f2" } });
    expect(second.records.get(RULE)).toEqual({ lastAppliedCommit: "c0" });
  });

  it("saves only when a persisted field changes (a resync that finds the same families saves nothing)", async () => {
    const saves: SerializedRecords[] = [];
    const records = new ResourceRecords({ store: { save: (s) => (saves.push(s), Promise.resolve()) } });
    records.update(WEB, { seenLiveHash: "h1", families: { web: "f1" } });
    await records.flush();
    expect(saves).toHaveLength(1);
    for (let i = 0; i < 5; i++) records.update(WEB, { seenLiveHash: "h1", families: { web: "f1" }, appliedAt: i, residue: undefined });
    records.forget(API); // no record: nothing to drop
    await records.flush();
    expect(saves).toHaveLength(1);
    records.update(WEB, { families: { web: "f2" } });
    await records.flush();
    expect(saves).toHaveLength(2);
    expect(saves[1]?.records).toEqual([{ key: WEB, seenLiveHash: "h1", families: { web: "f2" } }]);
  });

  it.each([
    ["truncated", '{"version":1,"records":[{"key":"Service/prod/web","lastApp'],
    ["of another version", JSON.stringify({ version: 3, records: [{ key: WEB, lastAppliedCommit: "c1" }] })],
    ["not an object", "[1,2,3]"],
    ["without a record list", JSON.stringify({ version: 1, records: { key: WEB } })],
  ])("a file %s starts empty with a warning, never throws, and is replaced at the next save", async (_what, text) => {
    await writeFile(join(dir, "records.json"), text);
    // Seen hashes in episodes.json are not migrated over a file that exists: it may be newer than they are.
    await writeFile(
      join(dir, "episodes.json"),
      JSON.stringify({ version: 1, drift: [], sync: [], heals: [], seen: [{ key: API, hash: "h" }] }),
    );
    const { log, lines } = recordingLog();
    const { records } = await started(dir, log);
    expect(records.keys()).toEqual([]);
    expect(lines.some((l) => l.level === 40 && l.msg.includes("starting empty"))).toBe(true);
    records.update(WEB, { lastAppliedCommit: "c9" });
    await records.flush();
    expect((await started(dir)).records.get(WEB)).toEqual({ lastAppliedCommit: "c9" });
  });

  it("drops malformed entries and keeps the rest", async () => {
    const good = { key: WEB, lastAppliedCommit: "c1", families: { web: "f1" } };
    const bad = [{ key: API, families: { api: 3 } }, { lastAppliedCommit: "c1" }, { key: RULE, lastAppliedAt: "yesterday" }, "x", null];
    await writeFile(join(dir, "records.json"), JSON.stringify({ version: 1, records: [good, ...bad] }));
    const { log, lines } = recordingLog();
    const { records } = await started(dir, log);
    expect(records.keys()).toEqual([WEB]);
    expect(records.get(WEB)).toEqual({ lastAppliedCommit: "c1", families: { web: "f1" } });
    expect(lines.find((l) => l.msg.includes("malformed"))).toMatchObject({ dropped: 5 });
  });

  const OLD_DRIFT = {
    key: RULE,
    kind: "ScheduledRule",
    name: "nightly",
    commit: "c1",
    fingerprint: "f1",
    firstSeen: AT,
    reportedPaths: ["/scheduleExpression"],
    healing: true,
    healSuspended: false,
    suspensionReported: false,
  };
  const OLD_SYNC = { key: API, kind: "Service", name: "api", commit: "c1", fingerprint: "InvalidRequest", firstSeen: AT };
  const OLD_HEAL = { key: RULE, fingerprint: "f1", at: AT };
  /** episodes.json as the versions before the records wrote it. */
  const oldEpisodes = (seen: { key: string; hash: string }[]) =>
    JSON.stringify({ version: 1, drift: [OLD_DRIFT], sync: [OLD_SYNC], heals: [OLD_HEAL], seen });
  const { key: _drift, ...driftEpisode } = OLD_DRIFT;
  const { key: _sync, ...syncEpisode } = OLD_SYNC;

  it("an upgrade with no records.json carries episodes, heals and seen hashes over, saves at once, removes episodes.json", async () => {
    const seen = [
      { key: WEB, hash: "h-web" },
      { key: API, hash: "h-api" },
    ];
    await writeFile(join(dir, "episodes.json"), oldEpisodes(seen));
    const upgraded = await started(dir);
    expect(upgraded.records.get(WEB)).toEqual({ seenLiveHash: "h-web" });
    expect(upgraded.records.get(API)).toEqual({ seenLiveHash: "h-api", syncEpisode });
    expect(upgraded.records.get(RULE)).toEqual({ driftEpisode, heals: [{ fingerprint: "f1", at: AT }] });
    expect(upgraded.tracker.openKeys()).toEqual([RULE, API]);
    // Saved at once: a crash right after the start loses nothing; episodes.json is never read again.
    const saved = JSON.parse(await readFile(join(dir, "records.json"), "utf8")) as SerializedRecords;
    expect(saved.version).toBe(2);
    expect(saved.records).toEqual([
      { key: RULE, driftEpisode, heals: [{ fingerprint: "f1", at: AT }] },
      { key: API, seenLiveHash: "h-api", syncEpisode },
      { key: WEB, seenLiveHash: "h-web" },
    ]);
    await expect(readFile(join(dir, "episodes.json"), "utf8")).rejects.toThrow(/ENOENT/);

    // The carried-over episodes alert no more: the drift resolves once (healed, as the old record said), the failure recovers once.
    const again = await started(dir);
    const now = new Date(Date.parse(AT) + 60_000);
    const look = { kind: "ScheduledRule" as const, name: "nightly", commit: "c1", now };
    expect(again.tracker.syncFailed(API, { code: "InvalidRequest", message: "bad" }, now)).toEqual([]);
    expect(again.tracker.observe(RULE, { ...look, changes: [] })).toMatchObject([{ type: "drift.resolved", resolution: "healed" }]);
    expect(again.tracker.observe(RULE, { ...look, changes: [] })).toEqual([]);
    expect(again.tracker.syncSucceeded(API, now)).toMatchObject([{ type: "sync.recovered", firstSeen: AT }]);
  });

  it("an upgrade from a records.json without episodes (version 1) carries the episodes over, never older seen-live hashes", async () => {
    await writeFile(join(dir, "records.json"), JSON.stringify({ version: 1, records: [{ key: WEB, seenLiveHash: "h-new" }] }));
    await writeFile(join(dir, "episodes.json"), oldEpisodes([{ key: WEB, hash: "h-old" }]));
    const { records, tracker } = await started(dir);
    expect(records.get(WEB)).toEqual({ seenLiveHash: "h-new" });
    expect(tracker.openKeys()).toEqual([RULE, API]);
    expect(tracker.isHealSuspended(RULE)).toBe(false);
    await expect(readFile(join(dir, "episodes.json"), "utf8")).rejects.toThrow(/ENOENT/);
    expect((await started(dir)).records.get(RULE)).toEqual({ driftEpisode, heals: [{ fingerprint: "f1", at: AT }] });
  });

  it("an episodes.json beside a records.json that holds the episodes (version 2) is not read", async () => {
    await writeFile(join(dir, "records.json"), JSON.stringify({ version: 2, records: [{ key: WEB, seenLiveHash: "h" }] }));
    await writeFile(join(dir, "episodes.json"), oldEpisodes([]));
    const { tracker } = await started(dir);
    expect(tracker.openKeys()).toEqual([]);
  });

  it("a corrupt episodes.json warns and carries nothing over; the records stand", async () => {
    await writeFile(join(dir, "records.json"), JSON.stringify({ version: 1, records: [{ key: WEB, lastAppliedCommit: "c1" }] }));
    await writeFile(join(dir, "episodes.json"), '{"version":1,"drift":[');
    const { log, lines } = recordingLog();
    const { records, tracker } = await started(dir, log);
    expect(records.get(WEB)).toEqual({ lastAppliedCommit: "c1" });
    expect(tracker.openKeys()).toEqual([]);
    expect(lines.some((l) => l.level === 40 && l.msg.startsWith("old drift episode record corrupt"))).toBe(true);
  });

  it("drops a malformed episode and keeps the record's other fields", async () => {
    const records = [{ key: WEB, lastAppliedCommit: "c1", driftEpisode: { kind: "Service" }, heals: [{ fingerprint: "f", at: "x" }] }];
    await writeFile(join(dir, "records.json"), JSON.stringify({ version: 2, records }));
    const { log, lines } = recordingLog();
    const restored = await started(dir, log);
    expect(restored.records.get(WEB)).toEqual({ lastAppliedCommit: "c1" });
    expect(lines.find((l) => l.msg.includes("malformed"))).toMatchObject({ dropped: 2 });
  });

  it("a first start with neither file starts empty, writing nothing until a record changes", async () => {
    const { records } = await started(dir);
    expect(records.keys()).toEqual([]);
    await expect(readFile(join(dir, "records.json"), "utf8")).rejects.toThrow(/ENOENT/);
  });
});
