import { parseTaskDefinitionArn } from "../aws/arn.js";
import type { AwsClients } from "../aws/index.js";
import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { ExportedManifest, TaskDefinitionReference } from "./common/schema-util.js";

/** Which live resources `ecs-gitops export` takes (its flags; each kind reads the ones about it). */
export type ExportSelection = {
  cluster: string;
  services?: string | undefined;
  rules?: string | undefined;
  allRules?: boolean | undefined;
  eventBus?: string | undefined;
};

/** How an exported resource names a task definition revision (the family, or a pin with a review note). */
export type ReferenceOf = (arn: string) => TaskDefinitionReference;

/** One live resource a kind exports; its manifest is made once every exported revision is known. */
export type ExportedResource = {
  readonly key: ResourceKey;
  /** The file's path in the output folder. */
  readonly file: string;
  /** Where it was read from (the file's header). */
  readonly source: string;
  /** The task definition revisions it runs: exported too, each family's file in the folder of its first user. */
  readonly taskDefinitionArns: readonly string[];
  /** The folder that hosts the files of the families it runs. */
  readonly folder: string;
  /** It is this revision of a task definition family: references to that revision name the family. */
  readonly revision?: { family: string; revision: number };
  /** Another exported resource whose manifest this one changes (a scaled service leaves desiredCount to the autoscaler). */
  readonly adjusts?: { key: ResourceKey; adjust(exported: ExportedManifest): ExportedManifest };
  manifest(reference: ReferenceOf): ExportedManifest | undefined;
};

/** What a kind's export read may use. */
export type ExportIo = {
  readonly aws: AwsClients;
  readonly selection: ExportSelection;
  warn(text: string): void;
  /** What another kind exports in the same run (the scalable targets of the exported services). */
  exportsOf(kind: string): Promise<readonly ExportedResource[]>;
  /** What every other kind exports, in plan order (the task definitions they run). */
  exportsOfOthers(): Promise<readonly ExportedResource[]>;
};

/** How `ecs-gitops export` reads a kind's live resources and turns them into manifests. */
export type KindExport = { read(io: ExportIo): Promise<ExportedResource[]> };

/** The exported revision is referenced by family (the repo manages it); any other one is pinned. */
export function referenceFor(arn: string, exported: ReadonlyMap<string, number>): TaskDefinitionReference {
  const parsed = parseTaskDefinitionArn(arn);
  if (!parsed) return { ref: arn };
  const revision = exported.get(parsed.family);
  if (parsed.revision === undefined) return { ref: arn }; // "latest": compared as a family-only ARN (EB-6)
  if (revision === parsed.revision) return { ref: parsed.family };
  const ref = `${parsed.family}:${parsed.revision}`;
  if (revision === undefined) return { ref };
  return {
    ref,
    review:
      `pinned to revision ${parsed.revision}: the exported TaskDefinition ${parsed.family} ` +
      `is revision ${revision}, which another resource runs. Write "taskDefinition: ${parsed.family}" ` +
      `to deploy that one here too`,
  };
}

/** `--services a,b` → [a, b] (undefined: no names given). */
export function splitNames(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return names.length > 0 ? [...new Set(names)] : undefined;
}

export function byName(field: string): (a: JsonObject, b: JsonObject) => number {
  return (a, b) => {
    const x = String(a[field] ?? "");
    const y = String(b[field] ?? "");
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
