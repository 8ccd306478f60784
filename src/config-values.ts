import { CLUSTER_PATTERN } from "./aws/arn.js";
import { EcsGitopsError } from "./errors.js";
import { redactUrl } from "./redact.js";
import { quoted } from "./text.js";

/** The values settings take (durations, sizes, a cluster, an endpoint), as flags, variables and ecs-gitops.yaml write them. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * The shortest git poll interval and drift resync period: below them a controller spends git and
 * AWS calls for nothing (a push webhook is the way to react faster). Test harnesses lift them
 * with ECS_GITOPS_ALLOW_SHORT_INTERVALS=1.
 */
export type DurationFloors = { intervalMs: number; resyncMs: number };
export const DURATION_FLOORS: DurationFloors = { intervalMs: 5_000, resyncMs: 30_000 };

export function durationFloors(env: NodeJS.ProcessEnv = process.env): DurationFloors {
  return env["ECS_GITOPS_ALLOW_SHORT_INTERVALS"] === "1" ? { intervalMs: 1, resyncMs: 1 } : DURATION_FLOORS;
}

/** Why `ms` is too short for `field` ("interval" or "resync"), or undefined when it is not. */
export function belowFloor(field: "interval" | "resync", text: string, ms: number, floors: DurationFloors): string | undefined {
  const floorMs = field === "interval" ? floors.intervalMs : floors.resyncMs;
  if (ms >= floorMs) return undefined;
  const purpose =
    field === "interval" ? "polling git faster only adds git calls; a push webhook reacts at once" : "resyncing faster only adds AWS reads";
  return `${field} ${text} is below the floor of ${floorMs / 1000}s (${purpose}): use ${floorMs / 1000}s or more`;
}

/**
 * The longest duration taken anywhere. Node's timers take at most 2^31-1 ms (24.8 days) and fire
 * after 1 ms beyond it: `interval: 1000h` polled git hundreds of times a second.
 */
export const MAX_DURATION_MS = 24 * UNIT_MS.h;

/** "30s", "5m", "1h30m", "250ms" → milliseconds, at most 24h. Throws InvalidConfig naming `name` on anything else. */
export function parseDuration(text: string, name = "duration"): number {
  const parts = /^(?:\d+(?:ms|s|m|h))+$/.test(text.trim()) ? [...text.trim().matchAll(/(\d+)(ms|s|m|h)/g)] : [];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0);
  if (parts.length === 0 || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new EcsGitopsError(
      "InvalidConfig",
      `${name} ${quoted(text)} is not a positive duration: write a number and a unit (ms, s, m, h), for example 30s, 5m or 1h30m`,
      { where: name },
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new EcsGitopsError(
      "InvalidConfig",
      `${name} ${quoted(text)} is above the ceiling of 24h (longer timers overflow and fire at once): use 24h or less`,
      { where: name },
    );
  }
  return ms;
}

export const CLUSTER_TEXT = "a cluster name or ARN";

/** `--cluster` (or its variable, named by `name`): the same rule as ecs-gitops.yaml's `cluster`. */
export function checkCluster(text: string | undefined, name: string): string | undefined {
  if (text === undefined || CLUSTER_PATTERN.test(text)) return text;
  throw new EcsGitopsError(
    "InvalidConfig",
    `${name} must be ${CLUSTER_TEXT} (letters, digits, hyphens, underscores), got ${quoted(text)}`,
    { where: name },
  );
}

/** `--endpoint-url` (or its variable, named by `name`): an absolute http(s) URL. */
export function checkEndpointUrl(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return text;
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === "http:" || protocol === "https:") return text;
  throw new EcsGitopsError(
    "InvalidConfig",
    `${name} must be an http(s) URL such as http://127.0.0.1:5000, got ${quoted(redactUrl(text))}`,
    { where: name },
  );
}

const BYTE_UNITS = { "": 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** "52428800", "50MiB", "100MB" → bytes. Throws InvalidConfig naming `flag` on anything else. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/.exec(text.trim());
  const bytes = match ? Number(match[1]) * BYTE_UNITS[(match[2] ?? "") as keyof typeof BYTE_UNITS] : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new EcsGitopsError("InvalidConfig", `${flag} must be a positive size such as 50MiB or 52428800, got "${text}"`, { where: flag });
  }
  return bytes;
}

/**
 * The per-commit byte cap from ECS_GITOPS_MAX_COMMIT_BYTES (validate, diff, apply; `run` also takes
 * --max-commit-bytes). Not a field of ecs-gitops.yaml: a commit must not raise its own bound.
 */
export function maxCommitBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env["ECS_GITOPS_MAX_COMMIT_BYTES"];
  return text === undefined || text === "" ? undefined : parseByteSize(text, "ECS_GITOPS_MAX_COMMIT_BYTES");
}
