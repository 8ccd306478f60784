/*
 * The shapes the dashboard reads: GET /status (src/state/status.ts), the /api/events deltas
 * (src/http/live-feed.ts) and GET /api/resources/<key>. Optional fields and the extra sync
 * values come from controllers that record deploy history, hooks and suspension; the dashboard
 * shows them when present.
 */

export type Sync = "Synced" | "OutOfSync" | "Unknown" | "Suspended" | "Orphaned" | "Pinned";
export type Health = "Healthy" | "Progressing" | "Degraded" | "Missing" | "Unknown";
export type DeployOutcome = "succeeded" | "failed" | "rolledBack" | "inProgress" | "timedOut";

export type StatusError = { code: string; message: string; at: string };
export type DeployRecord = {
  commit?: string;
  revision: string;
  startedAt: string;
  finishedAt?: string;
  outcome: DeployOutcome;
  trigger: string;
  reason?: string;
};
export type HookRun = { name?: string; phase?: string; outcome?: string; startedAt?: string; finishedAt?: string; message?: string };

export type ResourceStatus = {
  key: string;
  kind: string;
  name: string;
  sync: Sync;
  health: Health;
  lastAppliedRevision?: string;
  lastAppliedAt?: string;
  lastError?: StatusError;
  message?: string;
  heldBack?: { commit?: string; file?: string; reason?: string } & Record<string, unknown>;
  drift?: { since: string; fields: string[] };
  history?: DeployRecord[];
  hooks?: HookRun[];
};

export type ManifestError = { file: string; line: number; column: number; message: string };
export type SourceStatus = { url: string; branch: string; path: string; lastFetchAt?: string; lastError?: StatusError };

export type StatusMeta = {
  commit?: string;
  lastGoodCommit?: string;
  source: SourceStatus;
  ready: boolean;
  manifestErrors: ManifestError[];
};
export type StatusDocument = StatusMeta & { resources: ResourceStatus[] };
export type StatusDelta = { meta?: StatusMeta; upsert: ResourceStatus[]; remove: string[] };

export type Change = { path: string; field?: string; desired?: unknown; live?: unknown };
export type EpisodeRecord = {
  type: "drift" | "sync";
  firstSeen: string;
  endedAt?: string;
  action?: string;
  resolution?: string;
  fields: Change[];
  error?: { code: string; message: string };
};
export type ResourceDetail = {
  status: ResourceStatus;
  plan?: { type: string; at: string; text: string; changes: Change[]; reason?: string; hint?: string };
  service?: {
    running?: number;
    desired?: number;
    pending?: number;
    deployments: { id?: string; status?: string; rolloutState?: string; rolloutStateReason?: string; taskDefinition?: string }[];
  };
  rule?: { state?: string; scheduleExpression?: string; targets: number; invocations?: { at?: string; state?: string }[] };
  episodes: EpisodeRecord[];
  drift?: { firstSeen: string; fields: Change[]; action: string; healSuspended: boolean };
};
export type DependencyGraph = { edges: { from: string; to: string }[] };
