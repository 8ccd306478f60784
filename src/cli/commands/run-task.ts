import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import {
  createAwsClients,
  describeServices,
  describeTaskDefinition,
  describeTasks,
  destroyAwsClients,
  readLogStream,
  resolveRegion,
  runTask,
  stopTask,
} from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { checkCluster, checkEndpointUrl, parseDuration } from "../../config.js";
import { asEcsGitopsError, EcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { containerNames } from "../../resources/common/validation.js";
import { containerOverride, parseRunTaskTarget, runnerFromFlags, runnerOfService } from "../../engine/hooks/run-task-options.js";
import type { RunTaskFlags } from "../../engine/hooks/run-task-options.js";
import { awslogsStream, hookRunTaskInput, judgeTask, nonEssentialContainers, reportedContainer } from "../../engine/hooks/task-request.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";

type Flags = RunTaskFlags & { region?: string; endpointUrl?: string; timeout: string };

/** How often a running task is looked at (DescribeTasks is cheap; a task takes seconds at least). */
const POLL_MS = 2_000;

/** `ecs-gitops run-task <target>`: run one task, wait for it, print its log stream, exit with its exit code (docs/hooks.md#run-task). */
export function registerRunTask(program: Command): void {
  program
    .command("run-task")
    .description("run a one-off task (a family's revision or a service's current one), wait, print its logs, exit with its exit code")
    .argument("<target>", "family[:revision] (latest ACTIVE revision unless given), a task definition ARN, or Service/<cluster>/<name>")
    .option("--cluster <name>", "cluster to run a family's task on (default: ECS_GITOPS_CLUSTER, then default)")
    .option("--command <command>", 'command override: a JSON list (\'["sh","-c","exit 3"]\') or words split on spaces')
    .option("--env <NAME=value>", "environment variable for the container (repeatable)", (v: string, all: string[]) => [...all, v], [])
    .option("--cpu <units>", "container CPU override")
    .option("--memory <MiB>", "container memory override")
    .option("--container <name>", "container the overrides apply to and whose logs and exit code count (default: the first essential one)")
    .option("--launch-type <type>", "FARGATE, EC2 or EXTERNAL (default: the service's)")
    .option("--capacity-provider <name>", "run on this capacity provider instead of a launch type")
    .option("--subnets <ids>", "awsvpc subnets, comma-separated (default: the service's network configuration)")
    .option("--security-groups <ids>", "awsvpc security groups, comma-separated")
    .option("--assign-public-ip", "give the task a public IP (awsvpc)")
    .option("--timeout <duration>", "stop the task and fail after this long", "1h")
    .option("--region <region>", "AWS region (default: the SDK chain: AWS_REGION, profile)")
    .option("--endpoint-url <url>", "AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL)")
    .action(async (target: string, flags: Flags, self: Command) => {
      process.exitCode = await runTaskCommand(target, flags, commandOutput(self));
    });
}

export async function runTaskCommand(text: string, flags: Flags, io: CommandOutput): Promise<number> {
  let aws: AwsClients | undefined;
  try {
    const target = parseRunTaskTarget(text);
    const timeoutMs = parseDuration(flags.timeout, "--timeout");
    const endpoint = checkEndpointUrl(flags.endpointUrl ?? process.env["AWS_ENDPOINT_URL"], "--endpoint-url");
    const accountIdHeader = process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined;
    aws = createAwsClients({ region: flags.region, endpoint, accountIdHeader });
    const { cluster, taskDefinition, service } = await resolveTarget(aws, target, flags);
    const described = await describeTaskDefinition(aws, taskDefinition);
    const spec = isJsonObject(described?.["taskDefinition"]) ? described["taskDefinition"] : undefined;
    const arn = spec?.["taskDefinitionArn"];
    if (spec === undefined || typeof arn !== "string")
      throw new EcsGitopsError("NotFound", `task definition ${taskDefinition} does not exist (or has no ACTIVE revision)`, {
        where: taskDefinition,
      });
    const container = flags.container ?? reportedContainer(spec, { overrides: {} });
    if (container === undefined || !containerNames(spec).includes(container))
      throw new EcsGitopsError("InvalidConfig", `--container ${String(container)}: ${arn} has ${containerNames(spec).join(", ")}`, {
        where: "--container",
      });
    const override = containerOverride(flags, container);
    const hook = { ...runnerFromFlags(flags), name: "run-task", overrides: override ? { containerOverrides: [override] } : {} };
    const input = hookRunTaskInput(hook, service, {
      cluster,
      taskDefinitionArn: arn,
      clientToken: randomUUID(),
      startedBy: "ecs-gitops/run-task",
    });
    const task = await runTask(aws, input);
    const taskArn = String(task["taskArn"]);
    io.err(`started ${taskArn}\n`);
    const stopped = await waitStopped(aws, cluster, taskArn, timeoutMs);
    const stream = awslogsStream(spec, container, taskArn);
    if (stream) {
      const lines = await readLogStream({ region: await resolveRegion(aws), endpoint, accountIdHeader }, stream);
      for (const line of lines) io.out(`${line}\n`);
      io.err(`logs: ${stream.group} ${stream.stream} (${lines.length} lines)\n`);
    } else io.err(`no awslogs stream for container ${container} (its logConfiguration has no awslogs driver with a stream prefix)\n`);
    const verdict = stopped === undefined ? undefined : judgeTask(stopped, nonEssentialContainers(spec));
    const code = verdict?.state === "stopped" ? verdict.exitCodes[container] : undefined;
    const reason = verdict?.state === "stopped" && verdict.stoppedReason ? ` (${verdict.stoppedReason})` : "";
    io.err(`${taskArn} stopped: ${code === undefined || code === null ? "no exit code" : `exit code ${code}`}${reason}\n`);
    if (stopped === undefined) return 1;
    return code === undefined || code === null ? 1 : Math.min(code, 255);
  } catch (error) {
    const failure = asEcsGitopsError(error);
    io.err(`error: ${failure.message}\n`);
    return 2;
  } finally {
    if (aws) destroyAwsClients(aws);
  }
}

async function resolveTarget(
  aws: AwsClients,
  target: ReturnType<typeof parseRunTaskTarget>,
  flags: Flags,
): Promise<{ cluster: string; taskDefinition: string; service: JsonObject }> {
  if (target.type === "task-definition") {
    const cluster = checkCluster(flags.cluster ?? process.env["ECS_GITOPS_CLUSTER"], "--cluster") ?? "default";
    return { cluster, taskDefinition: target.ref, service: {} };
  }
  const found = (await describeServices(aws, target.cluster, [target.name])).services.get(target.name);
  const taskDefinition = found?.["taskDefinition"];
  if (found === undefined || typeof taskDefinition !== "string")
    throw new EcsGitopsError("NotFound", `service ${target.name} does not exist on cluster ${target.cluster}`, {
      where: `Service/${target.cluster}/${target.name}`,
    });
  return { cluster: target.cluster, taskDefinition, service: runnerOfService(found) };
}

/** The task once STOPPED; undefined after `timeoutMs` (the task is then stopped). */
async function waitStopped(aws: AwsClients, cluster: string, taskArn: string, timeoutMs: number): Promise<JsonObject | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await describeTasks(aws, cluster, [taskArn])).get(taskArn);
    if (task?.["lastStatus"] === "STOPPED") return task;
    if (Date.now() >= deadline) {
      await stopTask(aws, cluster, taskArn, "ecs-gitops run-task: --timeout reached");
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}
