import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DriftTracker } from "../../../src/state/drift.js";
import { FileEpisodeStore } from "../../../src/state/drift-store.js";
import { ResourceRecords } from "../../../src/state/records.js";

const WEB = "Service/prod/web";
const API = "Service/prod/api";
const RULE = "ScheduledRule/default/nightly";

/** A controller start: the tracker restores the workdir's record, the records are seeded from it. */
async function started(path: string): Promise<{ tracker: DriftTracker; records: ResourceRecords }> {
  const tracker = new DriftTracker({ store: new FileEpisodeStore(path) });
  await tracker.restore();
  return { tracker, records: new ResourceRecords(tracker) };
}

describe("seen-live hashes across restarts (episodes.json)", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-gitops-seen-"));
    path = join(dir, "episodes.json");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("survive a save and restore; a key that left git is dropped from memory and from the file", async () => {
    const first = await started(path);
    first.records.update(WEB, { seenLiveHash: "h-web", appliedAt: 1 });
    first.records.update(API, { seenLiveHash: "h-api" });
    first.records.update(RULE, { seenLiveHash: "h-rule" });
    first.records.update(API, { seenLiveHash: "h-api2" });
    await first.tracker.flush();

    const second = await started(path);
    expect(second.records.get(WEB)).toEqual({ seenLiveHash: "h-web" });
    expect(second.records.get(API)).toEqual({ seenLiveHash: "h-api2" });
    expect(second.records.get(RULE)).toEqual({ seenLiveHash: "h-rule" });
    expect(second.records.keys().sort()).toEqual([API, RULE, WEB].sort());

    // The rule leaves git (the reconciler forgets both the record and the tracker's entries).
    second.records.forget(RULE);
    second.tracker.forget(RULE, new Date());
    await second.tracker.flush();
    const saved = JSON.parse(await readFile(path, "utf8")) as { seen: { key: string; hash: string }[] };
    expect(saved.seen.map((s) => s.key).sort()).toEqual([API, WEB].sort());

    const third = await started(path);
    expect(third.records.get(RULE)).toEqual({});
    expect(third.records.get(WEB)).toEqual({ seenLiveHash: "h-web" });
  });

  it("saves only when a seen hash changes", async () => {
    const saves: unknown[] = [];
    const tracker = new DriftTracker({
      store: { load: () => Promise.resolve(undefined), save: (s) => (saves.push(s), Promise.resolve()) },
    });
    const records = new ResourceRecords(tracker);
    records.update(WEB, { seenLiveHash: "h1" });
    await tracker.flush();
    expect(saves).toHaveLength(1);
    for (let i = 0; i < 5; i++) records.update(WEB, { seenLiveHash: "h1", appliedAt: i, residue: undefined });
    await tracker.flush();
    expect(saves).toHaveLength(1);
    records.forget(API); // nothing seen: nothing to drop
    await tracker.flush();
    expect(saves).toHaveLength(1);
  });

  it("an episode record from before seen hashes still loads, with nothing seen; malformed entries are skipped", async () => {
    const firstSeen = "2026-01-01T00:00:00.000Z";
    const drift = {
      key: WEB,
      kind: "Service",
      name: "web",
      commit: "c1",
      fingerprint: "f1",
      firstSeen,
      reportedPaths: ["/desiredCount"],
      healing: false,
      healSuspended: false,
      suspensionReported: false,
    };
    await writeFile(path, JSON.stringify({ version: 1, drift: [drift], sync: [], heals: [] }));
    const old = await started(path);
    expect(old.tracker.openKeys()).toEqual([WEB]);
    expect(old.records.keys()).toEqual([]);
    expect(old.records.get(WEB)).toEqual({});

    await writeFile(path, JSON.stringify({ version: 1, drift: [drift], seen: [{ key: API, hash: "h" }, { key: WEB }, "x"] }));
    const mixed = await started(path);
    expect(mixed.tracker.openKeys()).toEqual([WEB]);
    expect(mixed.records.keys()).toEqual([API]);
  });
});
