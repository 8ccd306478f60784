import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scopeOf, scopeOfFormerFields, unionScope } from "../../../src/engine/prune/scope.js";
import type { Kind } from "../../../src/manifests/types.js";
import { keepScope, orphanDeletes, prunes } from "../../../src/resources/kind-prune.js";
import { PruneScopeStore } from "../../../src/state/prune-scope.js";
import { manifestOf } from "../resources/builders.js";

// A kind that exists only in this test: its places are shelves, which no real kind knows of.
const CRATE = "Crate" as Kind;
const crates = [
  {
    kind: CRATE,
    planOrder: 0,
    prune: prunes<null>({
      scope: (manifest) => [String(manifest.spec["shelf"])],
      defaultScope: () => [],
      formerScopeField: "shelves",
      addsVersion: () => false,
      stage: 0,
      oneByOne: false,
      inventory: () => Promise.resolve([]),
      plan: (live, io) => orphanDeletes(live, io, () => ({ calls: [] })),
      remove: () => Promise.resolve("gone"),
      staleAfter: () => [],
      retainScope: keepScope,
    }),
  },
];

describe("prune-scope.json", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "prune-scope-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps each kind's own places across a restart, a throwaway kind's too", async () => {
    const manifests = [{ ...manifestOf("Service", "box", { shelf: "top" }), kind: CRATE, key: "Crate/top/box" }];
    const scope = unionScope(scopeOf(manifests, undefined, crates), { TaskDefinition: ["web"] });
    await new PruneScopeStore(dir, (former) => scopeOfFormerFields(former, crates)).save(scope);
    const restarted = new PruneScopeStore(dir, () => ({}));
    expect(await restarted.load()).toEqual({ [CRATE]: ["top"], TaskDefinition: ["web"] });
  });

  it("an upgrade reads the first format (fixed fields) once: no place is lost, the next save writes the new format", async () => {
    const file = join(dir, "prune-scope.json");
    await writeFile(file, JSON.stringify({ clusters: ["prod", "batch"], buses: ["default", "orders"], families: ["web", "gone-app"] }));
    const store = new PruneScopeStore(dir, (former) => scopeOfFormerFields(former));
    const migrated = await store.load();
    expect(migrated).toEqual({ Service: ["batch", "prod"], ScheduledRule: ["default", "orders"], TaskDefinition: ["gone-app", "web"] });
    await store.save(migrated);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ format: 2, places: migrated });
    expect(await new PruneScopeStore(dir, () => ({})).load()).toEqual(migrated);
  });

  it("a throwaway kind takes its former field through its plug-in; a field no plug-in claims is dropped", async () => {
    await writeFile(join(dir, "prune-scope.json"), JSON.stringify({ shelves: ["low"], buses: ["default"] }));
    expect(await new PruneScopeStore(dir, (former) => scopeOfFormerFields(former, crates)).load()).toEqual({ [CRATE]: ["low"] });
  });

  it("a missing, torn or foreign file starts from the current commit", async () => {
    const store = new PruneScopeStore(dir, (former) => scopeOfFormerFields(former));
    expect(await store.load()).toEqual({});
    for (const text of ["{", "[]", JSON.stringify({ format: 2, places: { Service: [3] } }), JSON.stringify({ clusters: "prod" })]) {
      await writeFile(join(dir, "prune-scope.json"), text);
      expect(await store.load()).toEqual({});
    }
  });
});
