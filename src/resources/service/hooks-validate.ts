import { parseDuration } from "../../config.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../../json.js";
import { problem } from "../../manifests/parse.js";
import { suggest } from "../../manifests/schema-check.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { quoted } from "../../text.js";
import { checkAwsvpcConfiguration, containerNames, isSet, needsAwsvpc, objectsOf, parseTaskDefinitionRef } from "../common/validation.js";
import type { Report, ValidationContext } from "../common/validation.js";
import { HOOK_FIELDS, HOOK_PHASES } from "./hooks.js";

// xref: RunTask `containerOverrides[]` fields a hook may set (command, environment, cpu, memory);
// the task-level `cpu` / `memory` strings of TaskOverride.
const CONTAINER_OVERRIDE_FIELDS = ["name", "command", "environment", "cpu", "memory"];
const OVERRIDE_FIELDS = ["containerOverrides", "cpu", "memory"];
const HOOK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Offline checks of a Service's `hooks` section (docs/hooks.md#validation), located at file:line. Pure. */
export function validateHooks(manifest: Manifest, ctx: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  const section = manifest.hooks;
  if (section === undefined) return problems;
  const locate = manifest.locateDocument ?? ((path: JsonPath) => manifest.locate(path.slice(1)));
  const report: Report = (path, rule, message, code = "Semantic", severity = "error") =>
    problems.push({ ...problem(locate(path), code, message, { key: manifest.key, rule }), severity });
  for (const phase of Object.keys(section)) {
    if (!(HOOK_PHASES as readonly string[]).includes(phase))
      report(["hooks", phase], "hook-phase", `unknown hook phase "${phase}": use preDeploy or postDeploy${suggest(phase, HOOK_PHASES)}`);
  }
  for (const phase of HOOK_PHASES) {
    const list = section[phase];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      report(["hooks", phase], "hook-phase", `hooks.${phase} must be a list of hooks`, "Semantic");
      continue;
    }
    const names = new Set<string>();
    list.forEach((entry, index) => {
      const at = ["hooks", phase, index];
      if (!isJsonObject(entry)) return report(at, "hook-entry", `hooks.${phase}[${index}] must be a mapping with at least name`);
      const name = entry["name"];
      if (typeof name !== "string" || !HOOK_NAME.test(name))
        report(
          [...at, "name"],
          "hook-name",
          `a hook needs a name of 1-64 letters, digits, hyphens or underscores, got ${quoted(name ?? "")}`,
        );
      else if (names.has(name))
        report([...at, "name"], "hook-name", `two ${phase} hooks are named "${name}": names identify runs, keep them unique`);
      else names.add(name);
      checkHook(manifest, entry, at, report, ctx);
    });
  }
  return problems;
}

function checkHook(manifest: Manifest, hook: JsonObject, at: JsonPath, report: Report, ctx: ValidationContext): void {
  for (const field of Object.keys(hook)) {
    if (!(HOOK_FIELDS as readonly string[]).includes(field))
      report([...at, field], "hook-field", `unknown hook field "${field}"${suggest(field, HOOK_FIELDS)}`, "Semantic");
  }
  const taskDefinition = hookTaskDefinition(manifest, hook, at, report, ctx);
  const containers = taskDefinition ? containerNames(taskDefinition.spec) : undefined;
  const where = taskDefinition ? `task definition "${taskDefinition.name}" (${taskDefinition.file})` : "";
  const container = hook["container"];
  if (container !== undefined) {
    if (typeof container !== "string") report([...at, "container"], "hook-container", "container must be a container name");
    else if (containers && !containers.includes(container))
      report(
        [...at, "container"],
        "hook-container",
        `unknown container "${container}": ${where} has ${containers.join(", ")}${suggest(container, containers)}`,
        "UnresolvedReference",
      );
  }
  checkOverrides(hook["overrides"], [...at, "overrides"], containers, where, report);
  checkTimeout(hook["timeout"], [...at, "timeout"], report);
  if (hook["blocking"] !== undefined && typeof hook["blocking"] !== "boolean")
    report([...at, "blocking"], "hook-blocking", `blocking must be true or false, got ${quoted(hook["blocking"])}`);
  if (isSet(hook["launchType"]) && isSet(hook["capacityProviderStrategy"]))
    report([...at, "capacityProviderStrategy"], "hook-launch-type", "set launchType or capacityProviderStrategy, not both");
  if (hook["networkConfiguration"] !== undefined) {
    const runner = { ...manifest.spec, ...hook };
    checkAwsvpcConfiguration(
      runner,
      at,
      needsAwsvpc(taskDefinition, runner),
      { missing: "hook-network-configuration", subnets: "hook-network-configuration", securityGroups: "hook-network-configuration" },
      report,
    );
  }
}

/** The repo's task definition the hook runs; a hook never runs a family the repo does not define. */
function hookTaskDefinition(
  manifest: Manifest,
  hook: JsonObject,
  at: JsonPath,
  report: Report,
  ctx: ValidationContext,
): Manifest | undefined {
  const own = hook["taskDefinition"];
  const value = own ?? manifest.spec["taskDefinition"];
  const path = own === undefined ? at : [...at, "taskDefinition"];
  if (typeof value !== "string") {
    report(
      path,
      "hook-task-definition",
      "a hook needs a task definition: set taskDefinition (a family of this repo), or give the service one",
    );
    return undefined;
  }
  const ref = parseTaskDefinitionRef(value);
  const family = ref.type === "invalid" ? undefined : ref.family;
  const found = family === undefined ? undefined : ctx.findTaskDefinition(family);
  if (family !== undefined && ctx.isBrokenTaskDefinition(family)) return undefined;
  if (ref.type === "pinned" || found === undefined) {
    const source = own === undefined ? `the service's task definition ${quoted(value)}` : `task definition ${quoted(value)}`;
    report(
      path,
      "hook-task-definition",
      `${source} is outside this repo: a hook runs a family this repo defines ` +
        `(its new revision at each deploy); add a TaskDefinition named "${family ?? value}" ` +
        `or set the hook's taskDefinition to one`,
      "UnresolvedReference",
    );
    return undefined;
  }
  return found;
}

function checkOverrides(value: JsonValue | undefined, at: JsonPath, containers: string[] | undefined, where: string, report: Report): void {
  if (value === undefined) return;
  if (!isJsonObject(value))
    return report(at, "hook-overrides", "overrides must be a mapping with containerOverrides (as RunTask takes it)");
  for (const field of Object.keys(value))
    if (!OVERRIDE_FIELDS.includes(field))
      report([...at, field], "hook-overrides", `unknown overrides field "${field}"${suggest(field, OVERRIDE_FIELDS)}`);
  const list = value["containerOverrides"];
  if (list !== undefined && !Array.isArray(list))
    report([...at, "containerOverrides"], "hook-overrides", "containerOverrides must be a list");
  for (const { item, index } of objectsOf(list)) {
    const here = [...at, "containerOverrides", index];
    for (const field of Object.keys(item))
      if (!CONTAINER_OVERRIDE_FIELDS.includes(field))
        report(
          [...here, field],
          "hook-overrides",
          `unknown container override field "${field}"${suggest(field, CONTAINER_OVERRIDE_FIELDS)}`,
        );
    const name = item["name"];
    if (typeof name !== "string") report(here, "hook-overrides", "a container override needs the name of the container it changes");
    else if (containers && !containers.includes(name))
      report(
        [...here, "name"],
        "hook-overrides",
        `override of container "${name}", which ${where} does not have (it has ${containers.join(", ")})${suggest(name, containers)}`,
        "UnresolvedReference",
      );
    const command = item["command"];
    if (command !== undefined && (!Array.isArray(command) || command.some((part) => typeof part !== "string")))
      report([...here, "command"], "hook-overrides", 'command must be a list of strings, as in ["bin/rails", "db:migrate"]');
    for (const { item: variable, index: n } of objectsOf(item["environment"]))
      if (typeof variable["name"] !== "string" || typeof variable["value"] !== "string")
        report(
          [...here, "environment", n],
          "hook-overrides",
          "an environment entry needs a string name and a string value (quote numbers)",
        );
    for (const field of ["cpu", "memory"])
      if (item[field] !== undefined && (typeof item[field] !== "number" || item[field] <= 0))
        report([...here, field], "hook-overrides", `${field} must be a positive number (CPU units or MiB)`);
  }
}

function checkTimeout(value: JsonValue | undefined, at: JsonPath, report: Report): void {
  if (value === undefined) return;
  if (typeof value !== "string") {
    report(at, "hook-timeout", `timeout must be a positive duration such as 10m or 1h, got ${quoted(value)}`);
    return;
  }
  try {
    parseDuration(value, "timeout");
  } catch (error) {
    report(at, "hook-timeout", error instanceof Error ? error.message : String(error));
  }
}
