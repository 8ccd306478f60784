import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { EcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { chunk } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

/** DescribeTasks takes at most 100 tasks per call (docs/hooks.md#running). */
export const DESCRIBE_TASKS_BATCH = 100;

/**
 * RunTask with the input as planned (plain JSON in the SDK's request shape). The caller gives the
 * `clientToken`: AWS answers a repeat of a token with the task it started, so a retry after a lost
 * response, or a restarted controller, never starts the task twice. One task or an error.
 */
export async function runTask(clients: AwsClients, input: JsonObject): Promise<JsonObject> {
  const where = `ecs:RunTask ${String(input["taskDefinition"])} on ${String(input["cluster"])}`;
  let output: JsonObject;
  try {
    output = toPlainObject(await clients.ecs.send(new RunTaskCommand(input as unknown as RunTaskCommandInput)));
  } catch (error) {
    throw classifyAwsError(error, where);
  }
  const [task] = Array.isArray(output["tasks"]) ? output["tasks"] : [];
  if (task !== undefined && typeof task === "object" && task !== null && !Array.isArray(task)) return task;
  // Placement failures (no capacity, a missing cluster attribute) come back as data, not an error.
  const failures = JSON.stringify(output["failures"] ?? []).slice(0, 500);
  throw new EcsGitopsError("InvalidRequest", `${where} started no task: ${failures}`, { where, retryable: true });
}

/** Tasks by ARN, 100 per DescribeTasks call; ARNs AWS no longer knows are left out of the map. */
export async function describeTasks(clients: AwsClients, cluster: string, taskArns: readonly string[]): Promise<Map<string, JsonObject>> {
  const found = new Map<string, JsonObject>();
  for (const batch of chunk([...new Set(taskArns)], DESCRIBE_TASKS_BATCH)) {
    const where = `ecs:DescribeTasks cluster ${cluster} (${batch.length} tasks)`;
    let output: JsonObject;
    try {
      output = toPlainObject(await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: batch })));
    } catch (error) {
      throw classifyAwsError(error, where);
    }
    for (const task of Array.isArray(output["tasks"]) ? output["tasks"] : []) {
      if (typeof task !== "object" || task === null || Array.isArray(task)) continue;
      if (typeof task["taskArn"] === "string") found.set(task["taskArn"], task);
    }
  }
  return found;
}

/** StopTask (a hook past its timeout, or `run-task` interrupted): what AWS answered. */
export async function stopTask(clients: AwsClients, cluster: string, taskArn: string, reason: string): Promise<JsonObject> {
  try {
    return toPlainObject(await clients.ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason })));
  } catch (error) {
    throw classifyAwsError(error, `ecs:StopTask ${taskArn}`);
  }
}
