import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateClusterCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");

// A task definition ARN without a revision (as ecschedule writes it) names a family the repo does
// not manage: the service follows its latest ACTIVE revision, resolved at every plan; the rule
// target keeps the ARN as written, as EventBridge does, and resolves it on every run.
function manifests(arn: string): Record<string, string> {
  return {
    "service.yaml": `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ledger
spec:
  cluster: books
  taskDefinition: ${arn}
  desiredCount: 1
  launchType: EC2
`,
    "rule.yaml": `apiVersion: ecs-gitops/v1
kind: ScheduledRule
metadata:
  name: ledger-close
spec:
  scheduleExpression: rate(6 hours)
  targets:
    - id: close
      cluster: books
      taskDefinition: ${arn}
      roleArn: arn:aws:iam::123456789012:role/books-events
      launchType: EC2
`,
  };
}

/** One apply; `writes`: how many logical write calls it made. */
async function sync(options: OneShotOptions) {
  const { plan, outcomes, calls } = await syncOnce(options);
  return { plan, outcomes, writes: calls.writes };
}

describe("a task definition ARN without a revision", () => {
  it("runs the family's latest ACTIVE revision, and follows a registration made elsewhere", async () => {
    const accountId = newAccountId();
    const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS };
    const ecs = new ECSClient(config);
    const events = new EventBridgeClient(config);
    applyMotoAccountHeader(ecs.middlewareStack, accountId);
    applyMotoAccountHeader(events.middlewareStack, accountId);
    await ecs.send(new CreateClusterCommand({ clusterName: "books" }));
    const register = (image: string) =>
      ecs.send(new RegisterTaskDefinitionCommand({ family: "ledger", containerDefinitions: [{ name: "ledger", image, memory: 128 }] }));
    await register("registry.example/ledger:1");

    const family = `arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/ledger`;
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-latest-"));
    for (const [file, text] of Object.entries(manifests(family))) await writeFile(path.join(dir, file), text);
    const options: OneShotOptions = { path: dir, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops" };

    const first = await sync(options);
    // Accepted, with a warning on each reference that says what it follows.
    expect(first.plan.problems.map((p) => [p.severity, p.rule])).toEqual(
      [
        ["warning", "rule-target-task-definition"],
        ["warning", "service-task-definition"],
      ].sort(),
    );
    expect(first.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ["Service/books/ledger", "applied"],
      ["ScheduledRule/default/ledger-close", "applied"],
    ]);
    const service = async () =>
      (await ecs.send(new DescribeServicesCommand({ cluster: "books", services: ["ledger"] }))).services?.[0]?.taskDefinition;
    expect(await service()).toBe(`${family}:1`);
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: "ledger-close" }));
    expect(Targets?.[0]?.EcsParameters?.TaskDefinitionArn).toBe(family);

    // Nothing changed: no writes, and no perpetual diff between the ARN and the revision in use.
    expect((await sync(options)).writes).toBe(0);

    // A pipeline registers revision 2 outside the repo: the service follows it, the rule has nothing to do.
    await register("registry.example/ledger:2");
    const third = await sync(options);
    expect(third.plan.actions.map((a) => [a.key, a.type])).toEqual([
      ["Service/books/ledger", "update"],
      ["ScheduledRule/default/ledger-close", "noop"],
    ]);
    expect(await service()).toBe(`${family}:2`);
    expect((await sync(options)).writes).toBe(0);
    ecs.destroy();
    events.destroy();
  });
});
