import { parseTaskDefinitionRef } from "../../aws/arn.js";
import type { TaskDefinitionRef } from "../../aws/arn.js";
import { assertNever } from "../../assert-never.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../../json.js";
import { problem } from "../../manifests/parse.js";
import type { Manifest, Problem } from "../../manifests/types.js";

/**
 * What a kind's validator may know about the rest of the repo. Built by src/resources/validate.ts
 * so that kinds never import each other (docs/design.md#layout).
 */
export type ValidationContext = {
  /** The controller's default cluster (ecs-gitops.yaml `cluster` or `--cluster`), if any. */
  defaultCluster: string | undefined;
  /** The repo's TaskDefinition manifest of a family; undefined when the repo does not define it. */
  findTaskDefinition: (family: string) => Manifest | undefined;
  /** A family the repo defines in a document that has errors: it will not be applied. */
  isBrokenTaskDefinition: (family: string) => boolean;
  /** Whether the repo defines the Service of this key (`Service/<cluster>/<name>`). */
  hasService?: (key: string) => boolean;
};

export type SemanticCode = "Semantic" | "UnresolvedReference";
export type Report = (path: JsonPath, rule: string, message: string, code?: SemanticCode, severity?: Problem["severity"]) => void;

/** A `report` that locates each finding at its spec path in the manifest's file. */
export function reporter(manifest: Manifest, problems: Problem[]): Report {
  return (path, rule, message, code = "Semantic", severity = "error") => {
    problems.push({ ...problem(manifest.locate(path), code, message, { key: manifest.key, rule }), severity });
  };
}

/** The problems `check` reports on one manifest, each located at its spec path in the manifest's file. */
export function collectProblems(manifest: Manifest, check: (report: Report) => void): Problem[] {
  const problems: Problem[] = [];
  check(reporter(manifest, problems));
  return problems;
}

export function listOf(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

export function objectsOf(value: JsonValue | undefined): { item: JsonObject; index: number }[] {
  return listOf(value).flatMap((item, index) => (isJsonObject(item) ? [{ item, index }] : []));
}

/**
 * Is a field set to something? AWS reads an empty list or an empty mapping like an absent field
 * for the fields whose mere presence a rule rejects (`links: []` on Fargate registers fine), so
 * such rules test this instead of `!== undefined`.
 */
export function isSet(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return true;
}

export function stringOf(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function numberOf(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" ? value : undefined;
}

export type { TaskDefinitionRef };
export { parseTaskDefinitionRef };

/** Who reads an ARN without a revision, and when: said in the warning about it. */
export type LatestResolution = { resolvedBy: string };

/**
 * Check a task definition reference (`taskDefinition` of a Service or a rule target) and return
 * the repo's manifest when the reference is a family the repo defines.
 */
export function resolveTaskDefinitionRef(
  value: JsonValue | undefined,
  at: JsonPath,
  rule: string,
  report: Report,
  ctx: ValidationContext,
  latest: LatestResolution,
): Manifest | undefined {
  if (typeof value !== "string" || value === "") {
    report(at, rule, "taskDefinition is required: a family defined in this repo, family:revision, or a task definition ARN");
    return undefined;
  }
  const ref = parseTaskDefinitionRef(value);
  switch (ref.type) {
    case "invalid":
      report(
        at,
        rule,
        `taskDefinition "${value}" is neither a family name, family:revision, ` +
          `nor a task definition ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION, ` +
          `or without :REVISION for the latest ACTIVE one)`,
        "UnresolvedReference",
      );
      return undefined;
    case "pinned":
      return undefined;
    case "latest":
      // The repo's own family: its latest revision is the one apply registers, as with a bare name.
      if (ctx.isBrokenTaskDefinition(ref.family) || ctx.findTaskDefinition(ref.family))
        return managedFamily(ref.family, at, rule, report, ctx);
      report(
        at,
        rule,
        `taskDefinition "${value}" has no revision: AWS reads it as the latest ` +
          `ACTIVE revision of "${ref.family}", which this repo does not manage, so ${latest.resolvedBy} ` +
          `and what runs changes with every registration of "${ref.family}" elsewhere. ` +
          `Pin a revision ("${ref.family}:7") to hold it still`,
        "Semantic",
        "warning",
      );
      return undefined;
    case "family":
      return managedFamily(ref.family, at, rule, report, ctx);
    default:
      return assertNever(ref, "task definition reference");
  }
}

function managedFamily(family: string, at: JsonPath, rule: string, report: Report, ctx: ValidationContext): Manifest | undefined {
  if (ctx.isBrokenTaskDefinition(family)) {
    report(
      at,
      rule,
      `task definition "${family}" is defined in this repo but has errors: fix those first (this resource is not applied until then)`,
      "UnresolvedReference",
    );
    return undefined;
  }
  const manifest = ctx.findTaskDefinition(family);
  if (!manifest) {
    report(
      at,
      rule,
      `task definition family "${family}" is not defined in this repo: add a ` +
        `TaskDefinition named "${family}", or pin a revision ("${family}:3" or ` +
        `its ARN)`,
      "UnresolvedReference",
    );
  }
  return manifest;
}

export function requiresFargate(taskDefinitionSpec: JsonObject): boolean {
  return listOf(taskDefinitionSpec["requiresCompatibilities"]).includes("FARGATE");
}

/** Does running this task need an awsvpcConfiguration? undefined when it cannot be known offline. */
export function needsAwsvpc(taskDefinition: Manifest | undefined, runner: JsonObject): boolean | undefined {
  const onFargate =
    runner["launchType"] === "FARGATE" ||
    objectsOf(runner["capacityProviderStrategy"]).some(({ item }) => /^FARGATE(_SPOT)?$/.test(String(item["capacityProvider"])));
  if (onFargate) return true;
  if (!taskDefinition) return undefined;
  return taskDefinition.spec["networkMode"] === "awsvpc" || requiresFargate(taskDefinition.spec);
}

// xref: docs/normalization.md#ecs-service-quotas: 16 subnets and 5 security groups per awsvpcConfiguration (not adjustable).
export const MAX_SUBNETS = 16;
export const MAX_SECURITY_GROUPS = 5;

export type AwsvpcRules = { missing: string; subnets: string; securityGroups: string };

/** `networkConfiguration.awsvpcConfiguration` of a Service or a rule target, for an awsvpc task. */
export function checkAwsvpcConfiguration(
  runner: JsonObject,
  at: JsonPath,
  needed: boolean | undefined,
  rules: AwsvpcRules,
  report: Report,
): void {
  const network = runner["networkConfiguration"];
  const awsvpc = isJsonObject(network) ? network["awsvpcConfiguration"] : undefined;
  if (!isJsonObject(awsvpc)) {
    if (needed)
      report(
        [...at, "networkConfiguration"],
        rules.missing,
        "the task uses awsvpc networking (Fargate or networkMode awsvpc): set " +
          "networkConfiguration.awsvpcConfiguration with its subnets and " +
          "security groups",
      );
    return;
  }
  if (needed === false) {
    report(
      [...at, "networkConfiguration"],
      rules.missing,
      "networkConfiguration is only valid for a task with networkMode awsvpc: remove it or switch the task definition to awsvpc",
    );
    return;
  }
  const where = [...at, "networkConfiguration", "awsvpcConfiguration"];
  const subnets = listOf(awsvpc["subnets"]);
  if (subnets.length < 1 || subnets.length > MAX_SUBNETS) {
    report([...where, "subnets"], rules.subnets, `awsvpcConfiguration needs 1 to ${MAX_SUBNETS} subnets, got ${subnets.length}`);
  }
  const groups = listOf(awsvpc["securityGroups"]);
  if (groups.length > MAX_SECURITY_GROUPS) {
    report(
      [...where, "securityGroups"],
      rules.securityGroups,
      `awsvpcConfiguration takes at most ${MAX_SECURITY_GROUPS} security groups, got ${groups.length}`,
    );
  }
}

/** Who launches tasks: names its rule ids, says who resolves a revision-less ARN, and whether it may go without a task definition. */
export type Launcher = { name: "service" | "rule-target"; latest: LatestResolution; taskDefinitionOptional?: boolean };

/**
 * What ECS refuses on any task launch (CreateService, RunTask for a rule's target): a task
 * definition reference that does not resolve (rule `<launcher>-task-definition`), launchType
 * beside capacityProviderStrategy (`<launcher>-launch-type-capacity-provider`), a network
 * configuration that does not fit the task's network mode (`<launcher>-network-configuration`,
 * `-subnets`, `-security-groups`). The repo's task definition, if the reference names one, and
 * whether the task uses awsvpc (undefined: not known offline).
 */
export function checkTaskLaunch(
  runner: JsonObject,
  at: JsonPath,
  launcher: Launcher,
  ctx: ValidationContext,
  report: Report,
): { taskDefinition: Manifest | undefined; awsvpc: boolean | undefined } {
  const { name } = launcher;
  const ref = runner["taskDefinition"];
  const taskDefinition =
    launcher.taskDefinitionOptional === true && ref === undefined
      ? undefined
      : resolveTaskDefinitionRef(ref, [...at, "taskDefinition"], `${name}-task-definition`, report, ctx, launcher.latest);
  if (isSet(runner["launchType"]) && isSet(runner["capacityProviderStrategy"]))
    report(
      [...at, "capacityProviderStrategy"],
      `${name}-launch-type-capacity-provider`,
      "set launchType or capacityProviderStrategy, not both",
    );
  const awsvpc = needsAwsvpc(taskDefinition, runner);
  const rules = { missing: `${name}-network-configuration`, subnets: `${name}-subnets`, securityGroups: `${name}-security-groups` };
  checkAwsvpcConfiguration(runner, at, awsvpc, rules, report);
  return { taskDefinition, awsvpc };
}

/** A container of a task definition spec by name. */
export function findContainer(taskDefinitionSpec: JsonObject, name: string): JsonObject | undefined {
  return objectsOf(taskDefinitionSpec["containerDefinitions"]).find(({ item }) => item["name"] === name)?.item;
}

export function containerNames(taskDefinitionSpec: JsonObject): string[] {
  return objectsOf(taskDefinitionSpec["containerDefinitions"]).flatMap(({ item }) =>
    typeof item["name"] === "string" ? [item["name"]] : [],
  );
}
