import { isTaskDefinitionRef } from "../../aws/arn.js";
import { EcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";

/** `run-task`'s flags as commander hands them over. */
export type RunTaskFlags = {
  cluster?: string;
  command?: string;
  env?: string[];
  cpu?: string;
  memory?: string;
  container?: string;
  launchType?: string;
  capacityProvider?: string;
  subnets?: string;
  securityGroups?: string;
  assignPublicIp?: boolean;
};

/** What to run: a family's latest ACTIVE revision, a pinned one, or a service's current revision and settings. */
export type RunTaskTarget = { type: "task-definition"; ref: string } | { type: "service"; cluster: string; name: string };

export function parseRunTaskTarget(text: string): RunTaskTarget {
  const service = /^Service\/([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/.exec(text);
  if (service) return { type: "service", cluster: service[1]!, name: service[2]! };
  if (isTaskDefinitionRef(text)) return { type: "task-definition", ref: text };
  throw new EcsGitopsError(
    "InvalidConfig",
    `run-task target ${JSON.stringify(text)} is neither family[:revision], a task definition ARN, nor Service/<cluster>/<name>`,
    { where: "run-task" },
  );
}

/** `--command`: a JSON list (`'["sh","-c","exit 3"]'`) taken as is, else words split on spaces. */
export function parseCommand(text: string): string[] {
  if (text.trim().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((part) => typeof part !== "string"))
      throw new EcsGitopsError("InvalidConfig", `--command ${text}: a JSON list must hold strings only`, { where: "--command" });
    return parsed as string[];
  }
  return text.split(/\s+/).filter((word) => word !== "");
}

function positive(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new EcsGitopsError("InvalidConfig", `${flag} ${JSON.stringify(text)} must be a positive whole number`, { where: flag });
  return value;
}

/** The container override the flags make (undefined: they change nothing), for `container`. */
export function containerOverride(flags: RunTaskFlags, container: string): JsonObject | undefined {
  const override: JsonObject = { name: container };
  if (flags.command !== undefined) override["command"] = parseCommand(flags.command);
  if (flags.env !== undefined && flags.env.length > 0) {
    override["environment"] = flags.env.map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0) throw new EcsGitopsError("InvalidConfig", `--env ${JSON.stringify(pair)} must be NAME=value`, { where: "--env" });
      return { name: pair.slice(0, at), value: pair.slice(at + 1) };
    });
  }
  const cpu = positive(flags.cpu, "--cpu");
  const memory = positive(flags.memory, "--memory");
  if (cpu !== undefined) override["cpu"] = cpu;
  if (memory !== undefined) override["memory"] = memory;
  return Object.keys(override).length > 1 ? override : undefined;
}

/** Launch type or capacity provider, and network configuration, from the flags; undefined fields come from the service. */
export function runnerFromFlags(flags: RunTaskFlags): {
  launchType?: string;
  capacityProviderStrategy?: JsonValue[];
  networkConfiguration?: JsonObject;
} {
  if (flags.launchType !== undefined && flags.capacityProvider !== undefined)
    throw new EcsGitopsError("InvalidConfig", "give --launch-type or --capacity-provider, not both", { where: "--launch-type" });
  const runner: { launchType?: string; capacityProviderStrategy?: JsonValue[]; networkConfiguration?: JsonObject } = {};
  if (flags.launchType !== undefined) runner.launchType = flags.launchType;
  if (flags.capacityProvider !== undefined) runner.capacityProviderStrategy = [{ capacityProvider: flags.capacityProvider, weight: 1 }];
  const list = (text: string | undefined) =>
    (text ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  if (flags.subnets !== undefined || flags.securityGroups !== undefined || flags.assignPublicIp !== undefined) {
    const awsvpc: JsonObject = { subnets: list(flags.subnets) };
    if (flags.securityGroups !== undefined) awsvpc["securityGroups"] = list(flags.securityGroups);
    if (flags.assignPublicIp !== undefined) awsvpc["assignPublicIp"] = flags.assignPublicIp ? "ENABLED" : "DISABLED";
    runner.networkConfiguration = { awsvpcConfiguration: awsvpc };
  }
  return runner;
}

/** The runner settings of a described service (launch type or strategy, network, platform version). */
export function runnerOfService(service: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of ["launchType", "capacityProviderStrategy", "networkConfiguration", "platformVersion"]) {
    const value = service[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) out[field] = value;
  }
  // A service with a strategy also reports the launch type ECS picked; RunTask takes one or the other.
  if (out["capacityProviderStrategy"] !== undefined) delete out["launchType"];
  if (isJsonObject(out["networkConfiguration"]) && !isJsonObject(out["networkConfiguration"]["awsvpcConfiguration"]))
    delete out["networkConfiguration"];
  return out;
}
