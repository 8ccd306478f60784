import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A synthetic desired-state repository: S services over C clusters, T task definition families
 * (service i runs family i), R scheduled rules (rule j runs family j on the first cluster).
 * Every field is one moto_server stores on create, so an applied fleet converges to zero writes.
 */
export type FleetScale = { services: number; families: number; rules: number; clusters: number };

export type FleetNetwork = { subnets: readonly string[]; securityGroups: readonly string[] };

export const FLEET_1000: FleetScale = { services: 1000, families: 1000, rules: 300, clusters: 2 };
export const FLEET_100: FleetScale = { services: 100, families: 100, rules: 30, clusters: 1 };

const pad = (i: number) => String(i).padStart(4, "0");
export const familyName = (i: number) => `app-${pad(i)}`;
export const clusterOf = (scale: FleetScale, i: number) => `bench-${i % scale.clusters}`;
export const clustersOf = (scale: FleetScale) => Array.from({ length: scale.clusters }, (_, c) => `bench-${c}`);

function taskDefinition(i: number, image: string): string {
  return `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata:
  name: ${familyName(i)}
  labels:
    team: team-${i % 17}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: 256
  memory: 512
  executionRoleArn: arn:aws:iam::123456789012:role/bench-execution
  containerDefinitions:
    - name: app
      image: ${image}
      essential: true
      portMappings:
        - containerPort: 8080
          hostPort: 8080
          protocol: tcp
      environment:
        - {name: APP_INDEX, value: "${i}"}
        - {name: LOG_LEVEL, value: info}
      logConfiguration:
        logDriver: awslogs
        options:
          awslogs-group: /ecs/bench/${familyName(i)}
          awslogs-region: us-east-1
          awslogs-stream-prefix: app
`;
}

function service(scale: FleetScale, i: number, network: FleetNetwork): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${familyName(i)}
spec:
  cluster: ${clusterOf(scale, i)}
  taskDefinition: ${familyName(i % scale.families)}
  desiredCount: ${1 + (i % 3)}
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [${network.subnets.slice(0, 2).join(", ")}]
      securityGroups: [${network.securityGroups[0] ?? ""}]
      assignPublicIp: DISABLED
`;
}

function rule(scale: FleetScale, j: number, network: FleetNetwork): string {
  return `apiVersion: ecs-gitops/v1
kind: ScheduledRule
metadata:
  name: job-${pad(j)}
spec:
  description: Synthetic job ${j}
  scheduleExpression: cron(${j % 60} ${j % 24} * * ? *)
  state: ENABLED
  targets:
    - id: run
      cluster: ${clusterOf(scale, 0)}
      taskDefinition: ${familyName(j % scale.families)}
      roleArn: arn:aws:iam::123456789012:role/bench-events-run-task
      launchType: FARGATE
      taskCount: 1
      networkConfiguration:
        awsvpcConfiguration:
          subnets: [${network.subnets[0] ?? ""}]
          securityGroups: [${network.securityGroups[0] ?? ""}]
          assignPublicIp: DISABLED
`;
}

export const imageOf = (i: number, version = "1.0.0") => `public.ecr.aws/bench/app-${i % 50}:${version}`;

/** Writes the fleet's manifests under `dir` (one folder per app, one per job). */
export async function writeFleet(dir: string, scale: FleetScale, network: FleetNetwork): Promise<void> {
  if (scale.services > scale.families || scale.rules > scale.families)
    throw new Error("every service and rule needs its own family in this fleet");
  for (let i = 0; i < scale.families; i += 1) {
    const app = path.join(dir, "apps", familyName(i));
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, "task-definition.yaml"), taskDefinition(i, imageOf(i)));
    if (i < scale.services) await writeFile(path.join(app, "service.yaml"), service(scale, i, network));
  }
  await mkdir(path.join(dir, "jobs"), { recursive: true });
  for (let j = 0; j < scale.rules; j += 1) await writeFile(path.join(dir, "jobs", `job-${pad(j)}.yaml`), rule(scale, j, network));
}

/**
 * The one-manifest change: a new image for the last family, which only its service uses (no rule),
 * so it needs exactly one RegisterTaskDefinition and one UpdateService.
 */
export async function changeOneImage(dir: string, scale: FleetScale, version: string): Promise<string> {
  const i = scale.families - 1;
  const file = path.join(dir, "apps", familyName(i), "task-definition.yaml");
  const text = await readFile(file, "utf8");
  const next = text.replace(/image: .*\n/, `image: ${imageOf(i, version)}\n`);
  if (next === text) throw new Error(`changeOneImage: nothing to change in ${file}`);
  await writeFile(file, next);
  return familyName(i);
}

/** A new image for families `from` … `from + count − 1` (the deploy-N-images change); returns their names. */
export async function changeImages(dir: string, from: number, count: number, version: string): Promise<string[]> {
  const changed: string[] = [];
  for (let i = from; i < from + count; i += 1) {
    const file = path.join(dir, "apps", familyName(i), "task-definition.yaml");
    const text = await readFile(file, "utf8");
    const next = text.replace(/image: .*\n/, `image: ${imageOf(i, version)}\n`);
    if (next === text) throw new Error(`changeImages: nothing to change in ${file}`);
    await writeFile(file, next);
    changed.push(familyName(i));
  }
  return changed;
}

export type CallCounts = Record<string, number>;

/** ⌈n/d⌉, 0 for n = 0. */
const pages = (n: number, d: number) => Math.ceil(n / d);

/** DescribeServices calls: 10 services per call, per cluster. */
export function describeServicesCalls(scale: FleetScale): number {
  let calls = 0;
  for (let c = 0; c < scale.clusters; c += 1) {
    const inCluster = Math.floor(scale.services / scale.clusters) + (c < scale.services % scale.clusters ? 1 : 0);
    calls += pages(inCluster, 10);
  }
  return calls;
}

/** ListRules pages of the default bus (at least one page is always read when rules are managed). */
export function listRulesCalls(scale: FleetScale): number {
  return scale.rules === 0 ? 0 : Math.max(1, pages(scale.rules, 100));
}

/**
 * The call budget (docs/scale.md). Exact counts; `ecs:DescribeTaskDefinition` on a restart is an
 * upper bound (one per family).
 */
export function budgetOf(scale: FleetScale, phase: "noop" | "oneChange" | "coldSync" | "restart"): CallCounts {
  const reads: CallCounts = {
    "ecs:DescribeServices": describeServicesCalls(scale),
    "events:ListRules": listRulesCalls(scale),
    "events:ListTargetsByRule": scale.rules,
  };
  switch (phase) {
    case "noop":
      return reads;
    case "oneChange":
      // A new image: no earlier revision carries its hash (history.ts), so nothing more is read.
      return { ...reads, "ecs:RegisterTaskDefinition": 1, "ecs:UpdateService": 1 };
    case "restart":
      // Cold start: rule tags and each in-use revision are read once to fill the caches. Rule tags
      // are asked of the Tagging API first (scheduled-rule/tags-prefetch.ts); moto_server answers it with
      // nothing for rules, so there each rule's tags are then read on their own.
      return {
        ...reads,
        "ecs:DescribeTaskDefinition": scale.families,
        "events:ListTagsForResource": scale.rules,
        ...(scale.rules >= 2 ? { "tag:GetResources": 1 } : {}),
      };
    case "coldSync":
      // Empty account: one (empty) ListRules page, no rule to list targets of; each family is
      // looked up once (not found), the account id comes from one DescribeClusters; then
      // everything is created.
      return {
        "ecs:DescribeServices": describeServicesCalls(scale),
        "events:ListRules": scale.rules === 0 ? 0 : 1,
        "ecs:DescribeClusters": 1,
        "ecs:DescribeTaskDefinition": scale.families,
        "ecs:RegisterTaskDefinition": scale.families,
        "ecs:CreateService": scale.services,
        "events:PutRule": scale.rules,
        "events:PutTargets": scale.rules,
      };
    default: {
      const exhaustive: never = phase;
      throw new Error(`unknown phase ${String(exhaustive)}`);
    }
  }
}

/**
 * Deploying a new image to `changed` services whose families no rule uses: `run` (warm caches)
 * adds one RegisterTaskDefinition and one UpdateService per service to the no-op reads; the
 * one-shot `apply` (empty caches) also reads what a restart reads, one DescribeTaskDefinition per
 * family (by family: the revision in use, which is the latest), and never a second one.
 */
export function deployBudget(scale: FleetScale, changed: number, path: "run" | "oneShot"): CallCounts {
  // No ListTaskDefinitions and no describe of earlier revisions: the revision read (or registered)
  // last names its predecessors' hashes, and a new image matches none of them (history.ts).
  const writes = { "ecs:RegisterTaskDefinition": changed, "ecs:UpdateService": changed };
  return { ...budgetOf(scale, path === "run" ? "noop" : "restart"), ...writes };
}

/** Budget violations: operations called more often than allowed, or not allowed at all. */
export function overBudget(calls: CallCounts, budget: CallCounts, options: { upperBound?: readonly string[] } = {}): string[] {
  const problems: string[] = [];
  for (const [op, n] of Object.entries(calls)) {
    const allowed = budget[op] ?? 0;
    if (n > allowed) problems.push(`${op}: ${n} calls, budget ${allowed}`);
  }
  for (const [op, allowed] of Object.entries(budget)) {
    const n = calls[op] ?? 0;
    if (n < allowed && !(options.upperBound ?? []).includes(op)) problems.push(`${op}: ${n} calls, expected exactly ${allowed}`);
  }
  return problems;
}
