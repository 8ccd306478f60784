import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { isEcsGitopsError } from "../../../src/errors.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { StatusStore } from "../../../src/state/status.js";

const source = { url: "https://git.example.com/acme/deploy.git", branch: "main", path: "prod" };

function storeWithMetrics() {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  return { metrics, store: new StatusStore({ source, metrics }) };
}

async function gauge(metrics: ReturnType<typeof createMetrics>, name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const value of (await metrics.registry.getSingleMetric(name)?.get())?.values ?? []) {
    out[Object.values(value.labels).join("/")] = value.value;
  }
  return out;
}

describe("StatusStore", () => {
  it("starts empty, not ready, with the source it was given", () => {
    const store = new StatusStore({ source });
    expect(store.snapshot()).toEqual({ source, ready: false, resources: [], manifestErrors: [] });
  });

  it("creates a resource as Unknown/Unknown with kind and name from its key", () => {
    const store = new StatusStore({ source });
    store.update("ScheduledRule/default/nightly-report", {});
    store.update("Service/prod/web", { sync: "Synced" });
    store.update("TaskDefinition/web", { health: "Healthy" });
    expect(store.snapshot().resources).toEqual([
      { key: "ScheduledRule/default/nightly-report", kind: "ScheduledRule", name: "nightly-report", sync: "Unknown", health: "Unknown" },
      { key: "Service/prod/web", kind: "Service", name: "web", sync: "Synced", health: "Unknown" },
      { key: "TaskDefinition/web", kind: "TaskDefinition", name: "web", sync: "Unknown", health: "Healthy" },
    ]);
  });

  it("merges patches and clears an optional field given as undefined", () => {
    const store = new StatusStore({ source });
    store.update("Service/prod/web", {
      sync: "OutOfSync",
      lastError: { code: "Throttled", message: "rate exceeded", at: "2025-01-01T00:00:00.000Z" },
      message: "retrying",
    });
    store.update("Service/prod/web", { sync: "Synced", lastAppliedRevision: "abc", lastError: undefined, health: undefined });
    expect(store.get("Service/prod/web")).toEqual({
      key: "Service/prod/web",
      kind: "Service",
      name: "web",
      sync: "Synced",
      health: "Unknown",
      lastAppliedRevision: "abc",
      message: "retrying",
    });
  });

  it("hands out copies: changing a snapshot does not change the store", () => {
    const store = new StatusStore({ source });
    store.update("Service/prod/web", { drift: { since: "2025-01-01T00:00:00.000Z", fields: ["/desiredCount"] } });
    const snap = store.snapshot();
    snap.resources[0]!.drift!.fields.push("/taskDefinition");
    snap.source.branch = "evil";
    expect(store.get("Service/prod/web")?.drift?.fields).toEqual(["/desiredCount"]);
    expect(store.snapshot().source.branch).toBe("main");
  });

  it("removes a resource", () => {
    const store = new StatusStore({ source });
    store.update("Service/prod/web", {});
    expect(store.remove("Service/prod/web")).toBe(true);
    expect(store.remove("Service/prod/web")).toBe(false);
    expect(store.snapshot().resources).toEqual([]);
  });

  it("records commits, source fetches and errors, manifest errors and readiness", () => {
    const store = new StatusStore({ source });
    store.setCommit({ commit: "b".repeat(40), lastGoodCommit: "a".repeat(40) });
    store.setSource({
      lastFetchAt: "2025-01-01T00:00:00.000Z",
      lastError: { code: "SourceUnavailable", message: "timeout", at: "2025-01-01T00:00:01.000Z" },
    });
    store.setSource({ lastError: undefined });
    store.setManifestErrors([{ file: "web.yaml", line: 3, column: 5, message: "unknown field" }]);
    store.setReady(true);
    expect(store.snapshot()).toEqual({
      commit: "b".repeat(40),
      lastGoodCommit: "a".repeat(40),
      source: { ...source, lastFetchAt: "2025-01-01T00:00:00.000Z" },
      ready: true,
      resources: [],
      manifestErrors: [{ file: "web.yaml", line: 3, column: 5, message: "unknown field" }],
    });
  });

  it("rejects a key it cannot take a kind and name from, unless the patch gives them", () => {
    const store = new StatusStore({ source });
    let caught: unknown;
    try {
      store.update("web", {});
    } catch (error) {
      caught = error;
    }
    expect(isEcsGitopsError(caught) && caught.code).toBe("Internal");
    expect(store.update("web", { kind: "TaskDefinition", name: "web" }).kind).toBe("TaskDefinition");
  });

  it("keeps the resources gauge in step with updates and removals", async () => {
    const { metrics, store } = storeWithMetrics();
    store.update("Service/prod/web", { sync: "OutOfSync", health: "Progressing" });
    store.update("Service/prod/api", { sync: "OutOfSync", health: "Progressing" });
    store.update("TaskDefinition/web", { sync: "Synced", health: "Healthy" });
    expect(await gauge(metrics, "ecs_gitops_resources")).toEqual({
      "Service/OutOfSync/Progressing": 2,
      "TaskDefinition/Synced/Healthy": 1,
    });

    store.update("Service/prod/web", { sync: "Synced", health: "Healthy" });
    store.update("Service/prod/web", { message: "steady" });
    store.remove("TaskDefinition/web");
    expect(await gauge(metrics, "ecs_gitops_resources")).toEqual({
      "Service/OutOfSync/Progressing": 1,
      "Service/Synced/Healthy": 1,
      "TaskDefinition/Synced/Healthy": 0,
    });
  });

  it("keeps the manifest error gauge and the commit info in step", async () => {
    const { metrics, store } = storeWithMetrics();
    store.setManifestErrors([
      { file: "a.yaml", line: 1, column: 1, message: "x" },
      { file: "b.yaml", line: 2, column: 1, message: "y" },
    ]);
    store.setCommit({ commit: "1".repeat(40) });
    store.setCommit({ commit: "2".repeat(40) });
    store.setCommit({ lastGoodCommit: "1".repeat(40) });
    expect(await gauge(metrics, "ecs_gitops_manifest_errors")).toEqual({ "": 2 });
    expect(await gauge(metrics, "ecs_gitops_current_commit_info")).toEqual({ ["2".repeat(40)]: 1 });
  });
});
