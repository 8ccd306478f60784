import path from "node:path";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { EventBridgeSink } from "../alerts/eventbridge-sink.js";
import { LogSink } from "../alerts/log-sink.js";
import { MetricsSink } from "../alerts/metrics-sink.js";
import type { AlertSink } from "../alerts/types.js";
import { WebhookSink } from "../alerts/webhook-sink.js";
import { createAwsClients, putEvents } from "../aws/index.js";
import type { CallAccounting } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import type { Problem } from "../manifests/types.js";
import { failedCommitLoad } from "../source/commit-load.js";
import { CommitLoader } from "../source/incremental-load.js";
import { GitRemoteSource } from "../source/git-remote.js";
import { LocalCheckoutSource } from "../source/local.js";
import { parseRepoLocation } from "../source/repo-url.js";
import type { Source } from "../source/types.js";
import { DriftTracker } from "../state/drift.js";
import { openRecords } from "../state/record-store.js";
import { registerRecordGauges } from "../state/record-metrics.js";
import { DeployHistory } from "../state/history.js";
import { StatusStore } from "../state/status.js";
import type { ControllerMetrics } from "../state/metrics.js";
import type { ResourceDetails } from "../state/resource-details.js";
import { isRemote } from "./controller-options.js";
import type { ControllerOptions } from "./controller-options.js";
import { redactUrl } from "./log.js";

/**
 * What the controller builds once at start from its options (controller.ts keeps the loop and
 * the wiring between the parts): the alert sinks, the git source, one commit's load.
 */

/** Log, metrics and the resource pages always; EventBridge and a webhook when configured. */
export function alertSinks(
  o: ControllerOptions,
  aws: AwsClients,
  parts: { registry: Registry; log: Logger; drift: DriftTracker; details: ResourceDetails },
): AlertSink[] {
  // The open-episode gauges are read from the records at each scrape: right after a restart too.
  registerRecordGauges(parts.registry, parts.drift.records);
  const sinks: AlertSink[] = [new LogSink(parts.log), new MetricsSink({ registry: parts.registry }), parts.details];
  const bus = o.alertEventBus;
  if (bus) sinks.push(new EventBridgeSink({ publish: (entries) => putEvents(aws, bus, entries) }));
  if (o.alertWebhook)
    sinks.push(new WebhookSink({ url: o.alertWebhook, ...(o.alertWebhookSecret ? { secret: o.alertWebhookSecret } : {}) }));
  return sinks;
}

/** A remote repository (fetched into the work dir) or a local checkout (watched). */
export function sourceOf(o: ControllerOptions, log: Logger, metrics: ControllerMetrics): Source {
  const location = parseRepoLocation(o.repo);
  return location.type === "remote"
    ? new GitRemoteSource({ url: location.url, branch: o.branch ?? "main", workDir: path.join(o.workDir, "git"), log, metrics })
    : new LocalCheckoutSource({
        path: o.repo,
        ...(o.branch ? { branch: o.branch } : {}),
        workDir: path.join(o.workDir, "local"),
        log,
      });
}

/** The controller's commit loader: a load on its own thread is marked in the work dir while it runs (src/source/load-marker.ts). */
export function commitLoaderFor(workDir: string): CommitLoader {
  return new CommitLoader({ marker: path.join(workDir, MAIN_THREAD_LOAD_MARKER) });
}

/** Names the commit the controller's thread is loading; left behind only by a process that died during the load. */
export const MAIN_THREAD_LOAD_MARKER = "main-thread-load.json";

/**
 * One commit's manifests and settings, loaded off the main thread (a pathological commit must not
 * stall /healthz or the queue), or, for a few small changed files, incrementally (incremental-load.ts).
 */
export function loadCommit(loader: CommitLoader, o: ControllerOptions, sha: string, checkoutDir: string, region: string | undefined) {
  return loader
    .load(
      {
        root: path.join(checkoutDir, o.path),
        commit: sha,
        cluster: o.cluster,
        maxCommitBytes: o.maxCommitBytes,
        within: checkoutDir,
        region,
        ssm: { region, endpoint: o.endpoint, accountIdHeader: o.accountIdHeader },
      },
      o.commitLoadLimits,
    )
    .catch((error: unknown) => failedCommitLoad(sha, error));
}

/**
 * A commit's problems: "unloadable" (ecs-gitops.yaml or the loader failed: the last good commit
 * stays in force entirely), or the files that stay at the last good commit; then the first 20.
 */
export function logProblems(log: Logger, sha: string, problems: readonly Problem[], files: readonly string[] | "unloadable"): void {
  if (files === "unloadable")
    log.error(
      { commit: sha, errors: problems.length },
      "the commit cannot be loaded (ecs-gitops.yaml or the loader); keeping the last good commit in force",
    );
  else log.error({ commit: sha, errors: problems.length, files }, "manifests have errors; those files stay at the last good commit");
  for (const p of problems.slice(0, 20)) log.error({ file: p.file, line: p.line, column: p.column, code: p.code }, p.message);
}

export function awsClientsFor(o: ControllerOptions, calls: CallAccounting): AwsClients {
  return createAwsClients({ region: o.region, endpoint: o.endpoint, calls, accountIdHeader: o.accountIdHeader, rateLimit: o.rateLimit });
}

/**
 * The resource records (their episodes included) and the deploy history as a previous process left
 * them in the work dir; an older version's episodes.json is carried into the records once.
 */
export async function restoredStores(workDir: string, log: Logger): Promise<{ drift: DriftTracker; history: DeployHistory }> {
  const records = await openRecords(path.join(workDir, "records.json"), { log, legacyEpisodes: path.join(workDir, "episodes.json") });
  const drift = new DriftTracker({ records, log });
  const history = new DeployHistory({ path: path.join(workDir, "history.json"), log });
  await history.restore();
  return { drift, history };
}

export function statusStoreFor(o: ControllerOptions, metrics: ControllerMetrics): StatusStore {
  return new StatusStore({
    source: { url: redactUrl(o.repo), branch: o.branch ?? (isRemote(o.repo) ? "main" : "HEAD"), path: o.path },
    metrics,
  });
}
