import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../../src/aws/clients.js";
import { applyPrune } from "../../../src/engine/prune/apply.js";
import { InventoryReader } from "../../../src/engine/prune/inventory.js";
import type { PrunablePlugin } from "../../../src/engine/prune/kinds.js";
import { planPrune } from "../../../src/engine/prune/plan.js";
import { retainedScope, scopeOf, unionScope } from "../../../src/engine/prune/scope.js";
import { EcsGitopsError } from "../../../src/errors.js";
import { KINDS } from "../../../src/manifests/types.js";
import type { Kind } from "../../../src/manifests/types.js";
import { keepScope, orphanDeletes, prunes } from "../../../src/resources/kind-prune.js";
import type { KindPrune, PruneLive } from "../../../src/resources/kind-prune.js";
import { manifestOf } from "../resources/builders.js";

const ENGINE = path.resolve(import.meta.dirname, "../../../src/engine/prune");

describe("the prune engine names no kind", () => {
  it("no file in src/engine/prune names a kind or one of its AWS operations", () => {
    const files = readdirSync(ENGINE).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((file) => {
      const text = readFileSync(path.join(ENGINE, file), "utf8");
      const kinds = KINDS.filter((kind) => new RegExp(`\\b${kind}\\b`).test(text)).map((kind) => `${file}: ${kind}`);
      const operations = [...text.matchAll(/\b(?:ecs|events|scheduler|application-autoscaling):[A-Z]\w+/g)].map((m) => `${file}: ${m[0]}`);
      return [...kinds, ...operations];
    });
    expect(found).toEqual([]);
  });
});

// Two kinds that exist only in this test (the Kind union is closed; the engine only carries the name).
const WIDGET = "Widget" as Kind;
const PART = "Part" as Kind;
const OURS = { "ecs-gitops:owner": "ecs-gitops", "ecs-gitops:source": "github.com/acme/deploy//old.yaml" };

/** A fake cloud: widgets per cluster, each running some parts; parts per bin. */
type Cloud = {
  widgets: Record<string, PruneLive<{ cluster: string }>[]>;
  parts: Record<string, PruneLive<string>[]>;
  reads: string[];
  removed: string[];
};

function kinds(cloud: Cloud, failing = new Set<string>()): PrunablePlugin[] {
  const widget = prunes<{ cluster: string }>({
    scope: (manifest) => [String(manifest.spec["cluster"])],
    defaultScope: () => [],
    formerScopeField: "clusters",
    addsVersion: () => false,
    stage: 0,
    oneByOne: false,
    inventory: (clusters, io) => {
      cloud.reads.push(`widgets in ${clusters.join(",")} (${io.earlier.length} earlier)`);
      return Promise.resolve(clusters.flatMap((c) => cloud.widgets[c] ?? []));
    },
    plan: (live, io) => orphanDeletes(live, io, (w) => ({ calls: [{ operation: "ecs:DeleteService", input: { service: w.name } }] })),
    remove: (action) => {
      if (failing.has(action.key)) return Promise.reject(new EcsGitopsError("Throttled", `${action.key}: refused`));
      cloud.removed.push(action.key);
      return Promise.resolve("deleted");
    },
    staleAfter: () => [],
    retainScope: keepScope,
  });
  // A part may go only once nothing that stays runs it. Its places are bins, which no other kind knows of.
  const part = prunes<string>({
    scope: () => [],
    defaultScope: () => ["bin-a"],
    formerScopeField: undefined,
    addsVersion: () => false,
    stage: 1,
    oneByOne: true,
    inventory: (bins, io) => {
      cloud.reads.push(`parts in ${bins.join(",")} (${io.earlier.length} earlier)`);
      return Promise.resolve(bins.flatMap((b) => cloud.parts[b] ?? []));
    },
    plan: (live, io) => {
      const running = new Set(io.staying.flatMap((s) => s.runs));
      const plan = orphanDeletes(
        live.filter((p) => !running.has(p.arn ?? "")),
        io,
        (p) => ({ calls: [{ operation: "ecs:DeregisterTaskDefinition", input: { taskDefinition: p.arn ?? "" } }] }),
      );
      return plan;
    },
    remove: (action) => (cloud.removed.push(action.key), Promise.resolve("deleted")),
    staleAfter: () => [],
    // A bin stays looked at while a part in it stays.
    retainScope: (bins, live, _named, deleted) => {
      const kept = bins.filter((b) => live.some((p) => p.detail === b && !deleted.has(p.key)));
      return kept.length === bins.length ? bins : kept;
    },
  });
  return [
    { kind: PART, planOrder: 0, prune: part },
    { kind: WIDGET, planOrder: 1, prune: widget },
  ];
}

const widget = (cluster: string, name: string, runs: string[], tags: Record<string, string> = OURS): PruneLive<{ cluster: string }> => ({
  key: `Widget/${cluster}/${name}`,
  name,
  arn: `arn:widget:${cluster}/${name}`,
  tags,
  state: "live",
  runs,
  detail: { cluster },
});
const part = (bin: string, name: string): PruneLive<string> => ({
  key: `Part/${name}`,
  name,
  arn: `arn:part:${name}`,
  tags: OURS,
  state: "live",
  runs: [],
  detail: bin,
});

function cloud(): Cloud {
  return {
    widgets: {
      east: [widget("east", "kept", ["arn:part:p1"]), widget("east", "old", ["arn:part:p2"]), widget("east", "theirs", [], { team: "x" })],
      west: [widget("west", "far", ["arn:part:p3"])],
    },
    parts: {
      "bin-a": [part("bin-a", "p1"), part("bin-a", "p2")],
      "bin-b": [part("bin-b", "p3"), part("bin-b", "p4")],
      "bin-c": [part("bin-c", "p5")],
    },
    reads: [],
    removed: [],
  };
}

// Type-level: a prune capability without its delete steps (or any other member) does not compile.
const { remove: _remove, ...withoutRemove } = kinds(cloud())[1]!.prune;
// @ts-expect-error a kind that is pruned must say how each of its deletes runs
const missingRemove: KindPrune = withoutRemove;
// Every member is required (the compiler names what a new pruned kind still lacks, its former scope field too).
type PruneMember = keyof KindPrune;
type OptionalMember = { [M in PruneMember]: Omit<KindPrune, M> extends KindPrune ? M : never }[PruneMember];
const noOptionalMember: [OptionalMember] extends [never] ? true : false = true;

/** What the last pass kept (prune-scope.json): a bin no manifest of this commit names. */
const EARLIER = { [PART]: ["bin-b"] };
const settings = { owner: "ecs-gitops", repo: "github.com/acme/deploy", enabled: true, maxDeletes: 10, revisionHistoryLimit: 10 };
const manifests = [{ ...manifestOf("Service", "kept", { cluster: "east" }, { file: "kept.yaml" }), kind: WIDGET, key: "Widget/east/kept" }];

describe("a throwaway kind goes through the generic prune engine", () => {
  const aws = createAwsClients({
    region: "us-east-1",
    endpoint: "http://aws.test",
    credentials: { accessKeyId: "A", secretAccessKey: "s" },
  });

  it("is scoped, inventoried stage by stage, planned and deleted without an engine change", async () => {
    const fake = cloud();
    const plugins = kinds(fake);
    // Each kind has its own places: the widget's manifest names a cluster, parts always look in
    // bin-a, and an earlier commit (the scope kept from the last pass) had parts in bin-b.
    const scope = unionScope(scopeOf(manifests, undefined, plugins), EARLIER);
    expect(scope).toEqual({ [WIDGET]: ["east"], [PART]: ["bin-a", "bin-b"] });
    const inventory = await new InventoryReader(aws, plugins).read(scope, new Set(manifests.map((m) => m.key)), () => 10);
    // Parts are read after widgets, with what the widgets run in hand; bin-c is in no scope, never read.
    expect(fake.reads).toEqual(["widgets in east (0 earlier)", "parts in bin-a,bin-b (3 earlier)"]);
    expect([missingRemove, noOptionalMember]).toBeDefined();

    const plan = planPrune(inventory, manifests, { ...settings, allowMassDelete: true }, plugins);
    // Widget/east/old is ours and named by no manifest; theirs is not ours; kept is named.
    // Parts: p1 runs in the kept widget, so it stays; p2 ran only in the orphan, so it goes with it.
    expect(plan.orphans.map((o) => [o.kind, o.key])).toEqual([
      [WIDGET, "Widget/east/old"],
      [PART, "Part/p2"],
      [PART, "Part/p3"],
      [PART, "Part/p4"],
    ]);
    expect(plan.actions.map((a) => a.key)).toEqual(["Widget/east/old", "Part/p2", "Part/p3", "Part/p4"]);
    expect(plan.owned).toBe(2 + 4 - 1);

    const outcomes = await applyPrune(aws, plan.actions, { owner: "ecs-gitops" }, plugins);
    expect(outcomes.map((o) => [o.key, o.outcome])).toEqual(plan.actions.map((a) => [a.key, "deleted"]));
    expect(fake.removed).toEqual(["Widget/east/old", "Part/p2", "Part/p3", "Part/p4"]);
    // Nothing deleted: every kind keeps its places, and the scope is the same object (nothing to write).
    expect(retainedScope(scope, inventory, new Set(), new Set(), plugins)).toBe(scope);
    // Every part of bin-b deleted: parts let that bin go; p1 stays in bin-a; widgets keep theirs.
    const deleted = new Set(outcomes.map((o) => o.key));
    expect(retainedScope(scope, inventory, new Set(), deleted, plugins)).toEqual({ [WIDGET]: ["east"], [PART]: ["bin-a"] });
  });

  it("a failed delete holds every later stage back, and a widget that is kept keeps what it runs", async () => {
    const fake = cloud();
    fake.widgets["east"]![1]!.tags = { ...OURS, "ecs-gitops:prune": "false" };
    const plugins = kinds(fake, new Set(["Widget/east/old"]));
    const inventory = await new InventoryReader(aws, plugins).read(
      unionScope(scopeOf(manifests, undefined, plugins), EARLIER),
      new Set(["Widget/east/kept"]),
      () => 1,
    );
    const kept = planPrune(inventory, manifests, { ...settings, allowMassDelete: true }, plugins);
    expect(kept.orphans.find((o) => o.key === "Widget/east/old")?.kept).toContain("false");
    expect(kept.actions.map((a) => a.key)).toEqual(["Part/p3", "Part/p4"]);

    const failing = await applyPrune(
      aws,
      [
        { type: "delete", key: "Widget/east/old", kind: WIDGET, changes: [], calls: [] },
        { type: "delete", key: "Part/p2", kind: PART, changes: [], calls: [] },
      ],
      { owner: "ecs-gitops" },
      plugins,
    );
    expect(failing.map((o) => [o.key, o.outcome, o.outcome === "failed" ? o.error.code : ""])).toEqual([
      ["Widget/east/old", "failed", "Throttled"],
      ["Part/p2", "failed", "DependencyNotReady"],
    ]);
    expect(fake.removed).toEqual([]);
  });
});
