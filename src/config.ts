import { lstat } from "node:fs/promises";
import path from "node:path";
import safeRegex from "safe-regex2";
import { isJsonObject } from "./json.js";
import { CLUSTER_PATTERN } from "./aws/arn.js";
import { belowFloor, CLUSTER_TEXT, DURATION_FLOORS, durationFloors, parseDuration } from "./config-values.js";
import type { DurationFloors } from "./config-values.js";
import type { JsonPath, JsonValue } from "./json.js";
import { CONFIG_FILE_NAMES } from "./manifests/load.js";
import { decodeManifestBytes, parseManifestText, problem } from "./manifests/parse.js";
import { readRegularFile } from "./manifests/read-file.js";
import { suggest } from "./manifests/schema-check.js";
import { quoted } from "./text.js";
import { KINDS } from "./manifests/types.js";
import { OVERLAY_FIELDS } from "./environments/overlay.js";
import type { Kind, Problem, ProblemCode, SourcePosition } from "./manifests/types.js";
import { readSyncWindows, SYNC_WINDOW_FIELDS, SYNC_WINDOW_MATCH_FIELDS } from "./pause/sync-windows.js";
import type { SyncWindow } from "./pause/sync-windows.js";

export type SyncPolicy = { automated: boolean; selfHeal: boolean; prune: boolean };
export type IgnoreDifferencesRule = { kind?: Kind; name?: string; paths: string[] };

/** Controller-wide settings from `ecs-gitops.yaml` at the manifests root (all optional there). */
export type ControllerConfig = {
  region?: string;
  /** The AWS account the environment deploys to: two environments in one account and region must not make one name. */
  account?: string;
  /** Default cluster for Services and rule targets that name none. */
  cluster?: string;
  /** Value of the `ecs-gitops:owner` tag: what this controller may touch. */
  owner: string;
  syncPolicy: SyncPolicy;
  ignoreDifferences: IgnoreDifferencesRule[];
  intervalMs: number;
  resyncMs: number;
  /** Extra case-insensitive regular expressions for names whose values are masked in output. */
  maskPatterns: string[];
  /** When writes may happen (docs/pause.md#sync-windows). */
  syncWindows: SyncWindow[];
  /** Prune guard: a commit that would delete more resources than this deletes none (docs/prune.md). */
  maxDeletes: number;
  /** ACTIVE revisions kept per family that stays in git; older ones of ours are deregistered. */
  revisionHistoryLimit: number;
};

// Defaults as in docs/design.md#settings: owner ecs-gitops, interval 60s, resync 5m, selfHeal and prune off.
export const DEFAULT_CONFIG: ControllerConfig = {
  owner: "ecs-gitops",
  syncPolicy: { automated: true, selfHeal: false, prune: false },
  ignoreDifferences: [],
  intervalMs: 60_000,
  resyncMs: 300_000,
  maskPatterns: [],
  syncWindows: [],
  maxDeletes: 5,
  revisionHistoryLimit: 10,
};

export {
  belowFloor,
  checkCluster,
  checkEndpointUrl,
  durationFloors,
  DURATION_FLOORS,
  MAX_DURATION_MS,
  maxCommitBytesFromEnv,
  parseByteSize,
  parseDuration,
} from "./config-values.js";
export type { DurationFloors } from "./config-values.js";

export type LoadedConfig = { config: ControllerConfig; problems: Problem[]; locate?: (at: JsonPath) => SourcePosition; value?: JsonValue };

/**
 * Read the optional settings file at `root`. Absent (or `root` is a file): defaults, no problems.
 * Read like a manifest: a link, a pipe, a device or an oversized file is a problem, never read.
 */
export async function loadConfigFile(root: string, floors: DurationFloors = durationFloors()): Promise<LoadedConfig> {
  const present = await Promise.all(
    CONFIG_FILE_NAMES.map((name) =>
      lstat(path.join(root, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) {
    // One of them would be silently ignored: its settings would look applied and not be.
    const both = problem(
      { file: CONFIG_FILE_NAMES[1] ?? "", line: 1, column: 1 },
      "InvalidValue",
      `both ${CONFIG_FILE_NAMES.join(" and ")} exist: keep one settings file (merge them and delete the other)`,
    );
    return { config: structuredClone(DEFAULT_CONFIG), problems: [both] };
  }
  for (const name of CONFIG_FILE_NAMES) {
    const outcome = await readRegularFile(path.join(root, name), name);
    if (outcome === undefined) continue;
    if ("problem" in outcome) return { config: structuredClone(DEFAULT_CONFIG), problems: [outcome.problem] };
    return parseConfigText(name, outcome.bytes, floors);
  }
  return { config: structuredClone(DEFAULT_CONFIG), problems: [] };
}

/** Parse and validate one settings file's bytes. Pure. */
export function parseConfigText(file: string, bytes: Uint8Array, floors: DurationFloors = DURATION_FLOORS): LoadedConfig {
  const config = structuredClone(DEFAULT_CONFIG);
  const decoded = decodeManifestBytes(file, bytes);
  if ("problem" in decoded) return { config, problems: [decoded.problem] };
  const parsed = parseManifestText(file, decoded.text);
  const problems = [...parsed.problems];
  const [doc, extra] = parsed.documents;
  if (extra) problems.push(problem(extra.position, "InvalidValue", `${file} holds one YAML document, not several`));
  if (!doc || doc.value === null) return { config, problems };
  readConfig(doc.value, config, floors, (at, code, message) => problems.push(problem(doc.locate(at), code, message)));
  return { config, problems, locate: doc.locate, value: doc.value };
}

const MAX_MASK_PATTERN_LENGTH = 200;

// The overlay fields (bases, patches, vars …) are read by src/environments.
const TOP_FIELDS = [
  "region",
  "account",
  "cluster",
  "owner",
  "syncPolicy",
  "ignoreDifferences",
  "interval",
  "resync",
  "alerts",
  "maskPatterns",
  "syncWindows",
  "maxDeletes",
  "revisionHistoryLimit",
  ...OVERLAY_FIELDS,
];
const SYNC_FIELDS = ["automated", "selfHeal", "prune"] as const;
const IGNORE_FIELDS = ["kind", "name", "paths"];

/** Every field the settings file accepts, as dotted paths (`[]` for list items): what a test holds to account. */
export const CONFIG_FIELDS: readonly string[] = [
  ...TOP_FIELDS.filter((f) => f !== "syncPolicy" && f !== "ignoreDifferences" && f !== "syncWindows"),
  ...SYNC_FIELDS.map((f) => `syncPolicy.${f}`),
  ...IGNORE_FIELDS.map((f) => `ignoreDifferences[].${f}`),
  ...SYNC_WINDOW_FIELDS.filter((f) => f !== "match").map((f) => `syncWindows[].${f}`),
  ...SYNC_WINDOW_MATCH_FIELDS.map((f) => `syncWindows[].match.${f}`),
];

type Add = (at: JsonPath, code: ProblemCode, message: string) => void;

function readConfig(value: JsonValue, config: ControllerConfig, floors: DurationFloors, add: Add): void {
  if (!readMapping(value, [], TOP_FIELDS, add)) return;
  const region = readString(value["region"], ["region"], /^[a-z]{2}(-[a-z]+)+-\d+$/, "an AWS region such as eu-west-1", add);
  if (region !== undefined) config.region = region;
  const account = readString(value["account"], ["account"], /^\d{12}$/, "a 12-digit AWS account id", add);
  if (account !== undefined) config.account = account;
  const cluster = readString(value["cluster"], ["cluster"], CLUSTER_PATTERN, CLUSTER_TEXT, add);
  if (cluster !== undefined) config.cluster = cluster;
  const owner = readString(
    value["owner"],
    ["owner"],
    /^\S(.{0,254}\S)?$/,
    "1-256 characters without surrounding spaces (it is a tag value)",
    add,
  );
  if (owner !== undefined) config.owner = owner;
  for (const [field, key] of [
    ["interval", "intervalMs"],
    ["resync", "resyncMs"],
  ] as const) {
    const text = readString(value[field], [field], /./, "a duration such as 30s or 5m", add);
    if (text === undefined) continue;
    try {
      const ms = parseDuration(text, field);
      const tooShort = belowFloor(field, text, ms, floors);
      if (tooShort === undefined) config[key] = ms;
      else add([field], "InvalidValue", tooShort);
    } catch (error) {
      add([field], "InvalidValue", error instanceof Error ? error.message : String(error));
    }
  }
  const sync = value["syncPolicy"];
  if (readMapping(sync, ["syncPolicy"], SYNC_FIELDS, add)) {
    for (const field of SYNC_FIELDS) {
      const flag = sync[field];
      if (flag === undefined) continue;
      if (typeof flag === "boolean") config.syncPolicy[field] = flag;
      else add(["syncPolicy", field], "WrongType", `syncPolicy.${field} must be true or false`);
    }
  }
  // Known, so that it is refused with a way out rather than as a typo: whoever can push to the
  // repository must not be able to redirect the alerts, so they come from the controller's flags.
  if (value["alerts"] !== undefined) {
    add(
      ["alerts"],
      "InvalidValue",
      "alerts are not read from ecs-gitops.yaml: start `run` with " +
        "--alert-webhook / --alert-event-bus (env ECS_GITOPS_ALERT_WEBHOOK, " +
        "ECS_GITOPS_ALERT_EVENT_BUS) and remove this field",
    );
  }
  for (const [field, min] of [
    ["maxDeletes", 0],
    ["revisionHistoryLimit", 1],
  ] as const) {
    const count = value[field];
    if (count === undefined) continue;
    if (typeof count === "number" && Number.isInteger(count) && count >= min && count <= 10_000) config[field] = count;
    else add([field], "InvalidValue", `${field} must be a whole number from ${min} to 10000, got ${JSON.stringify(count)}`);
  }
  readList(value["maskPatterns"], ["maskPatterns"], add, (item, at) => {
    const pattern = readString(item, at, /./, "a regular expression", add);
    if (pattern === undefined) return;
    try {
      new RegExp(pattern, "i");
    } catch {
      return add(at, "InvalidValue", `maskPatterns entry "${pattern}" is not a valid regular expression`);
    }
    // The patterns run against every setting name on every plan: one that can backtrack
    // exponentially ((a+)+, (x*)*) would let a commit stall the controller's event loop.
    if (pattern.length > MAX_MASK_PATTERN_LENGTH || !safeRegex(pattern)) {
      return add(
        at,
        "InvalidValue",
        `maskPatterns entry "${pattern.slice(0, 80)}" is refused: nested repetition ` +
          `such as (a+)+ or a pattern over ${MAX_MASK_PATTERN_LENGTH} characters ` +
          `can take exponential time; write a simpler expression (for example "_DSN$" ` +
          `or "^SENTRY_")`,
      );
    }
    config.maskPatterns.push(pattern);
  });
  config.syncWindows = readSyncWindows(value["syncWindows"], add);
  readList(value["ignoreDifferences"], ["ignoreDifferences"], add, (item, at) => {
    const rule = readIgnoreRule(item, at, add);
    if (rule) config.ignoreDifferences.push(rule);
  });
}

function readIgnoreRule(item: JsonValue, at: JsonPath, add: Add): IgnoreDifferencesRule | undefined {
  if (!readMapping(item, at, IGNORE_FIELDS, add)) return undefined;
  const rule: IgnoreDifferencesRule = { paths: [] };
  const kind = item["kind"];
  if (kind !== undefined) {
    const known = KINDS.find((k) => k === kind);
    if (known) rule.kind = known;
    else
      add([...at, "kind"], "InvalidValue", `kind must be one of ${KINDS.join(", ")}, got ${quoted(kind)}${suggest(String(kind), KINDS)}`);
  }
  const name = readString(item["name"], [...at, "name"], /./, "a resource name", add);
  if (name !== undefined) rule.name = name;
  if (item["paths"] === undefined) add(at, "MissingField", "an ignoreDifferences entry needs paths (for example [desiredCount])");
  readList(item["paths"], [...at, "paths"], add, (p, pAt) => {
    const text = readString(p, pAt, /./, "a field path such as desiredCount", add);
    if (text !== undefined) rule.paths.push(text);
  });
  return rule;
}

function readMapping(value: JsonValue | undefined, at: JsonPath, fields: readonly string[], add: Add): value is Record<string, JsonValue> {
  if (value === undefined || value === null) return false;
  if (!isJsonObject(value)) {
    add(at, at.length === 0 ? "NotAMapping" : "WrongType", `${display(at)} must be a mapping`);
    return false;
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) add([...at, key], "UnknownField", `unknown field "${key}" in ${display(at)}${suggest(key, fields)}`);
  }
  return true;
}

function readString(value: JsonValue | undefined, at: JsonPath, pattern: RegExp, expected: string, add: Add): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    add(at, "WrongType", `${display(at)} must be a string: ${expected}`);
    return undefined;
  }
  if (!pattern.test(value)) {
    add(at, "InvalidValue", `${display(at)} "${value}" is not ${expected}`);
    return undefined;
  }
  return value;
}

function readList(value: JsonValue | undefined, at: JsonPath, add: Add, each: (item: JsonValue, at: JsonPath) => void): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    add(at, "WrongType", `${display(at)} must be a list`);
    return;
  }
  value.forEach((item, i) => each(item, [...at, i]));
}

function display(at: JsonPath): string {
  if (at.length === 0) return "the settings file";
  return at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/**
 * The clients are made for one region at start-up: a settings file that names another would
 * otherwise be ignored while `diff` and `apply` honour it. Kept like any broken settings file.
 */
export function regionProblems(loaded: LoadedConfig, running: string | undefined): Problem[] {
  const wanted = loaded.config.region;
  if (wanted === undefined || running === undefined || wanted === running || !loaded.locate) return [];
  return [
    problem(
      loaded.locate(["region"]),
      "InvalidValue",
      `region ${wanted} differs from the region this controller runs in (${running}): ` +
        `start \`run\` with --region ${wanted} (or ECS_GITOPS_REGION), or change ` +
        `the file`,
    ),
  ];
}
