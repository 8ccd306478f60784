import { describe, expect, it } from "vitest";
import { RateLimiter, registerThrottleCategories, throttleCategoryOf } from "../../../src/aws/rate-limit.js";
import type { LiveSnapshot } from "../../../src/engine/planner.js";
import { KINDS } from "../../../src/manifests/types.js";
import type { Kind } from "../../../src/manifests/types.js";
import type { KindPlugin } from "../../../src/resources/kind-plugin.js";
import { declaredWrite, registerKindWrites } from "../../../src/resources/kind-writes.js";
import type { KindWrites } from "../../../src/resources/kind-writes.js";
import type { WriteOperation } from "../../../src/resources/registry.js";
import { KIND_PLUGINS, kindsOf, pluginFor } from "../../../src/resources/registry.js";
import type { KindRegistry } from "../../../src/resources/registry.js";
import { manifestOf } from "./builders.js";

/** A kind that exists only in this test: every capability filled in, nothing read from AWS. */
const throwaway: KindPlugin<"Throwaway"> = {
  kind: "Throwaway",
  planOrder: 3,
  validate: () => [],
  references: () => [{ type: "family", family: "web" }],
  referencePaths: () => [["web"]],
  serviceReferencePaths: () => [],
  followsLatestActive: false,
  definesFamily: () => undefined,
  clusters: () => [],
  arn: (manifest) => `arn:aws:throwaway:eu-west-1:123456789012:thing/${manifest.name}`,
  tags: () => ({ "ecs-gitops:spec-hash": "h1" }),
  specHash: () => "h1",
  health: () => ({ health: "Healthy", message: "throwaway" }),
  healthAfterApply: { health: "Healthy", message: "" },
  interruptedDeploy: () => false,
  rolledBack: () => false,
  readLive: () => Promise.resolve({}),
  revisionsInUse: () => [],
  plan: (manifest) => ({ action: { type: "noop", key: manifest.key, kind: manifest.kind, changes: [], calls: [] } }),
  residueChanges: () => undefined,
  runtime: () => undefined,
  export: undefined,
  prune: undefined,
  calls: [{ service: "events", operation: "DescribeRule", throttle: "events:api" }],
  // A write on a known API that no built-in kind makes: no line in src/aws, types.ts or live-cache.ts.
  writes: {
    "scheduler:DeleteSchedule": { throttle: "scheduler:api", retry: "resend", stale: { failed: (cache) => cache.schedules.clear() } },
  },
  operations: undefined,
};

// Type-level: every capability is required, so a kind missing any one of them does not compile.
type Capability = keyof KindPlugin<"Throwaway">;
type Optional = { [C in Capability]: Omit<KindPlugin<"Throwaway">, C> extends KindPlugin<"Throwaway"> ? C : never }[Capability];
const noOptionalCapability: [Optional] extends [never] ? true : false = true;

const { health: _health, ...withoutHealth } = throwaway;
// @ts-expect-error a plug-in without health is not a KindPlugin
const missingHealth: KindPlugin<"Throwaway"> = withoutHealth;

const { calls: _calls, ...withoutCalls } = throwaway;
// @ts-expect-error a plug-in that does not say which throttle bucket its calls use is not a KindPlugin
const missingCalls: KindPlugin<"Throwaway"> = withoutCalls;

const { writes: _writes, ...withoutWrites } = throwaway;
// @ts-expect-error a plug-in must declare its writes (an empty record for a kind that only reads)
const missingWrites: KindPlugin<"Throwaway"> = withoutWrites;

// @ts-expect-error a write is an SDK command src/aws can send: a misspelt one does not compile
const notACommand: KindWrites = { "scheduler:DeleteSchedules": { throttle: "scheduler:api", retry: "resend", stale: undefined } };

// @ts-expect-error the operations a plan may call are those the registry's kinds declare, and no other
const undeclared: WriteOperation = "scheduler:DeleteSchedule";

const { export: _export, ...withoutExport } = throwaway;
// @ts-expect-error a plug-in must say how it is exported, or `export: undefined` (not exportable)
const missingExport: KindPlugin<"Throwaway"> = withoutExport;

const { prune: _prune, ...withoutPrune } = throwaway;
// @ts-expect-error a plug-in must say where prune looks for its orphans, or `prune: undefined` (never pruned)
const missingPrune: KindPlugin<"Throwaway"> = withoutPrune;

const { runtime: _runtime, ...withoutRuntime } = throwaway;
// @ts-expect-error a plug-in must say what the dashboard shows of its live state (a function answering undefined: nothing)
const missingRuntime: KindPlugin<"Throwaway"> = withoutRuntime;

const { operations: _operations, ...withoutOperations } = throwaway;
// @ts-expect-error a plug-in must say which day-2 operations it supports, or `operations: undefined` (none)
const missingOperations: KindPlugin<"Throwaway"> = withoutOperations;

// @ts-expect-error a plug-in with operations must write out each one (`rollback: undefined` when it cannot roll back)
const missingRollback: KindPlugin<"Throwaway"> = { ...throwaway, operations: { readOwned: () => Promise.reject(), restart: undefined } };

// @ts-expect-error a registry that lacks a kind's plug-in does not compile
const missingKind: KindRegistry<Kind | "Throwaway"> = { ...KIND_PLUGINS };

// @ts-expect-error a plug-in registered under another kind's name does not compile
const wrongName: KindRegistry<"Throwaway"> = { Throwaway: KIND_PLUGINS.Service };

const EMPTY: LiveSnapshot = { accountId: undefined, revisions: new Map(), latestKnown: new Set(), services: new Map(), rules: new Map() };

describe("kind registry", () => {
  it("holds exactly the kinds manifests may name, in plan order", () => {
    expect(kindsOf(KIND_PLUGINS)).toEqual([...KINDS]);
    for (const kind of KINDS) expect(KIND_PLUGINS[kind].kind).toBe(kind);
    expect(
      [
        noOptionalCapability,
        missingHealth,
        missingCalls,
        missingWrites,
        notACommand,
        undeclared,
        missingExport,
        missingPrune,
        missingOperations,
        missingRollback,
        missingRuntime,
        missingKind,
        wrongName,
      ].length,
    ).toBe(13);
  });

  it("paces every call a plug-in declares in the throttle bucket it names", () => {
    for (const kind of KINDS)
      for (const call of KIND_PLUGINS[kind].calls)
        expect([kind, call.operation, throttleCategoryOf(call.service, call.operation)]).toEqual([kind, call.operation, call.throttle]);
  });

  it("hands the limiter the calls a plug-in declares: a new kind's call is paced in its bucket, a clash is refused", async () => {
    const call = { service: "scheduler", operation: "ThrowawayRead", throttle: "scheduler:api" } as const;
    const limiter = new RateLimiter();
    await limiter.acquire(call.service, call.operation);
    expect(limiter.stats()["scheduler:api"]).toBeUndefined();
    registerThrottleCategories("Throwaway", [call]);
    await limiter.acquire(call.service, call.operation);
    expect(limiter.stats()["scheduler:api"]?.requests).toBe(1);
    expect(() =>
      registerThrottleCategories("Throwaway", [{ service: "ecs", operation: "UpdateService", throttle: "ecs:service-read" }]),
    ).toThrow("Throwaway declares ecs:UpdateService in throttle bucket ecs:service-read, but it is already paced in ecs:service-modify");
  });

  it("paces every write a plug-in declares in its bucket, and refuses a second, different declaration of one", async () => {
    for (const kind of KINDS)
      for (const [operation, write] of Object.entries(KIND_PLUGINS[kind].writes)) {
        const [service, command] = operation.split(":") as ["ecs", string];
        expect([kind, operation, throttleCategoryOf(service, command)]).toEqual([kind, operation, write.throttle]);
        expect(declaredWrite(operation)).toBe(write);
      }
    const limiter = new RateLimiter();
    await limiter.acquire("scheduler", "DeleteSchedule");
    expect(limiter.stats()["scheduler:api"]).toBeUndefined();
    registerKindWrites("Throwaway", throwaway.writes);
    await limiter.acquire("scheduler", "DeleteSchedule");
    expect(limiter.stats()["scheduler:api"]?.requests).toBe(1);
    expect(() =>
      registerKindWrites("Throwaway", { "ecs:UpdateService": { throttle: "ecs:service-modify", retry: "resend", stale: undefined } }),
    ).toThrow("Throwaway declares ecs:UpdateService, which another kind declares differently: share one declaration of it");
  });

  it("takes a throwaway kind through the registry like any other", () => {
    const registry: KindRegistry<Kind | "Throwaway"> = { ...KIND_PLUGINS, Throwaway: throwaway };
    expect(kindsOf(registry)).toEqual([...KINDS, "Throwaway"]);
    // Manifest kinds are the built-in ones: the throwaway plug-in reads only the name.
    const thing = manifestOf("Service", "thing", {});
    const plugin = registry["Throwaway"];
    expect(plugin.health(thing, EMPTY)).toEqual({ health: "Healthy", message: "throwaway" });
    expect(plugin.arn(thing, EMPTY)).toBe("arn:aws:throwaway:eu-west-1:123456789012:thing/thing");
  });

  it("dispatches each built-in kind to its own plug-in (a missing resource is Missing, never Healthy)", () => {
    const manifests = [
      manifestOf("TaskDefinition", "web", {}),
      manifestOf("Service", "web", { cluster: "prod" }),
      manifestOf("ScheduledRule", "nightly", {}),
    ];
    expect(manifests.map((m) => [m.kind, pluginFor(m).health(m, EMPTY).health, pluginFor(m).arn(m, EMPTY)])).toEqual([
      ["TaskDefinition", "Missing", undefined],
      ["Service", "Missing", undefined],
      ["ScheduledRule", "Missing", undefined],
    ]);
    expect(manifests.map((m) => pluginFor(m).healthAfterApply.health)).toEqual(["Healthy", "Progressing", "Healthy"]);
  });
});
