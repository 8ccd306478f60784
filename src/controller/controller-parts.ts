import type { Logger } from "pino";
import type { AlertDispatcher } from "../alerts/dispatcher.js";
import type { AwsClients } from "../aws/index.js";
import { DEFAULT_CONFIG } from "../config.js";
import path from "node:path";
import { CodeDeployFollower } from "../engine/codedeploy-follow.js";
import { dependencyGraph } from "../engine/dependency-graph.js";
import type { DesiredState } from "../engine/desired-state.js";
import { LiveReader } from "../engine/live-state.js";
import { Dashboard } from "../http/dashboard.js";
import { pauseRoutes } from "../http/pause-api.js";
import type { PauseHandler } from "../http/pause-api.js";
import { ControllerHttpServer } from "../http/server.js";
import { controllerPause } from "../pause/controller-pause.js";
import type { ControllerPause } from "../pause/controller-pause.js";
import { suspensionsFor } from "../pause/suspensions-setup.js";
import type { SuspendTarget } from "../pause/suspensions.js";
import type { SyncWindow } from "../pause/sync-windows.js";
import { prefixOf } from "../source/manifest-root.js";
import { identifyRepository } from "../source/repo-identity.js";
import type { DriftTracker } from "../state/drift.js";
import type { DeployHistory } from "../state/history.js";
import type { ControllerMetrics } from "../state/metrics.js";
import type { ResourceDetails } from "../state/resource-details.js";
import type { StatusStore } from "../state/status.js";
import { isRemote } from "./controller-options.js";
import type { ControllerOptions } from "./controller-options.js";
import { startDeployHooks } from "./deploy-hooks-setup.js";
import { DeployTracker } from "./deploys.js";
import { PrunePass } from "./prune-pass.js";
import { ReconcileSightings } from "./reconcile-sightings.js";
import { Reconciler } from "./reconciler.js";
import type { ResourceRecords } from "../state/records.js";
import type { ResourceKey } from "../manifests/types.js";

/** The parts a controller's reconciler is built from (all made once at start). */
export type ReconcilerParts = {
  aws: AwsClients;
  /** The clients writes go through: with leases, each write is fenced by its shard's lease. */
  fenced: AwsClients;
  region: string;
  status: StatusStore;
  drift: DriftTracker;
  alerts: AlertDispatcher;
  history: DeployHistory;
  metrics: ControllerMetrics;
  log: Logger;
  details: ResourceDetails;
  /** The sync windows of the commit in force (ecs-gitops.yaml). */
  syncWindows: () => readonly SyncWindow[];
  /** Reconcile again what a suspend or resume names. */
  requeue: (target: SuspendTarget) => void;
  /** The keys waiting in the work queue: a batched read reads them ahead. */
  upcoming: () => Iterable<ResourceKey>;
  /** Whether a key may be reconciled here now (leases: its shard is held); unset: always. */
  mayReconcile?: ((key: ResourceKey) => boolean) | undefined;
  /** The controller's one wall clock, handed to every part that stamps or compares times. */
  now: () => Date;
  /** With leases: what the shard's previous holder left in flight (ControllerLeasing.inFlightDeploy). */
  inFlightDeploy?: ((key: ResourceKey, commit: string) => boolean) | undefined;
};

/** The reconciler with the settings flags give; ecs-gitops.yaml adds its own per commit (settingsFromConfig). */
export async function reconcilerFor(
  o: ControllerOptions,
  p: ReconcilerParts,
): Promise<{ reconciler: Reconciler; pause: ControllerPause; records: ResourceRecords }> {
  // The hooks' failure alerts look the manifest up in the reconciler built below.
  const ref: { reconciler?: Reconciler } = {};
  const hooks = await startDeployHooks(
    p.fenced,
    path.join(o.workDir, "hooks.json"),
    p.log,
    () => p.alerts,
    () => ref.reconciler,
    p.now,
  );
  const suspends = await suspensionsFor({
    workDir: o.workDir,
    lease: o.lease,
    aws: { region: p.region, endpoint: o.endpoint, accountIdHeader: o.accountIdHeader },
    requeue: p.requeue,
    log: p.log,
  });
  const pause = controllerPause(suspends, p.syncWindows, p.requeue, p.log, o.cluster);
  const codeDeploy = new CodeDeployFollower(p.fenced);
  // One record per resource, restored from the work dir: the tracker keeps the episodes in it, the rest of the engine the rest.
  const records = p.drift.records;
  const deploys = new DeployTracker({ history: p.history, records, alerts: p.alerts, log: p.log });
  codeDeploy.onOutcome((d) => {
    p.log.info({ key: d.key, deploymentId: d.deploymentId, status: d.status }, "codedeploy deployment");
    deploys.settleCodeDeploy(d, p.now());
  });
  const sightings = new ReconcileSightings(() => p.now().getTime());
  const reconciler = new Reconciler({
    hooks,
    paused: pause.paused,
    codeDeploy,
    aws: p.fenced,
    reader: sightings.watch(new LiveReader(sightings.clientsFor(p.aws))),
    status: p.status,
    drift: p.drift,
    alerts: p.alerts,
    deploys,
    metrics: p.metrics,
    log: p.log,
    now: p.now,
    random: o.random,
    settings: {
      owner: o.owner ?? "ecs-gitops",
      repo: await identifyRepository(o.repo, isRemote(o.repo)),
      region: p.region,
      defaultCluster: o.cluster,
      ignoreRules: o.ignoreDifferences,
      sourcePrefix: prefixOf(o.path),
      mode: o.mode,
      automated: o.automated ?? true,
      selfHeal: o.selfHeal ?? false,
      resyncMs: o.resyncMs ?? DEFAULT_CONFIG.resyncMs,
      progressPollMs: o.progressPollMs,
    },
    onPlanned: (action, snapshot, isSecret, now) => p.details.notePlan(action, snapshot, isSecret, now),
    upcoming: p.upcoming,
    inFlightDeploy: p.inFlightDeploy,
    mayReconcile: p.mayReconcile,
    prune: new PrunePass({
      aws: p.fenced,
      status: p.status,
      alerts: p.alerts,
      registry: p.metrics.registry,
      log: p.log,
      workDir: o.workDir,
      allowMassDelete: o.allowMassDelete === true,
      now: p.now,
      random: o.random,
      sightings,
    }),
  });
  ref.reconciler = reconciler;
  return { reconciler, pause, records };
}

/** What the controller's HTTP server asks of the controller. */
export type HttpParts = {
  statusDocument: ConstructorParameters<typeof ControllerHttpServer>[0]["getStatus"];
  readiness: () => { ready: boolean; reason?: string };
  metrics: ControllerMetrics;
  status: StatusStore;
  details: ResourceDetails;
  drift: () => DriftTracker | undefined;
  desired: () => DesiredState | undefined;
  pauseHandler: PauseHandler;
  pollNow: () => void;
  log: Logger;
};

/** Health, metrics, /status, the dashboard, the pause API and the push webhook, on one port. */
export function httpServerFor(o: ControllerOptions, p: HttpParts): ControllerHttpServer {
  return new ControllerHttpServer({
    port: o.port,
    ...(o.host ? { host: o.host } : {}),
    getStatus: p.statusDocument,
    isReady: p.readiness,
    metrics: p.metrics.registry,
    webhookSecret: o.webhookSecret,
    dashboard: new Dashboard({
      getStatus: () => p.status.snapshot(),
      getStatusVersion: () => p.status.version,
      details: p.details,
      driftOf: (key) => p.drift()?.driftStatus(key),
      graph: () => dependencyGraph(p.desired()?.manifests.values()),
      token: o.apiToken,
      log: p.log,
    }),
    apiToken: o.apiToken,
    apiRoutes: pauseRoutes(p.pauseHandler),
    onPush: (hint) => {
      p.log.info({ provider: hint.provider, branch: hint.branch }, "push webhook: fetching now");
      p.pollNow();
    },
    log: p.log,
  });
}
