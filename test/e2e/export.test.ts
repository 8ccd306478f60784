import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-ecs";
import {
  EventBridgeClient,
  ListRulesCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  UntagResourceCommand as UntagRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { destroyAwsClients } from "../../src/aws/index.js";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { runExport } from "../../src/cli/commands/export.js";
import type { ExportFlags } from "../../src/cli/commands/export.js";
import { planOnce } from "../../src/engine/one-shot.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { loadDesiredState } from "../../src/resources/load.js";
import { OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../src/resources/types.js";
import { copyExamples } from "./desired-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const OWNERSHIP_TAGS = [OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG, REVISION_TAG];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

describe("export on moto_server: onboarding resources ecs-gitops did not create", () => {
  const accountId = newAccountId();
  const options = (dir: string): OneShotOptions => ({
    path: dir,
    region: MOTO_REGION,
    endpoint,
    accountIdHeader: accountId,
    owner: "ecs-gitops",
  });
  const exportFlags = (out: string): ExportFlags => ({ cluster: "shop", allRules: true, out, region: MOTO_REGION, endpointUrl: endpoint });
  let out: string;

  beforeAll(async () => {
    // examples/ applied into a fresh account, then made to look hand-made: no ownership tags.
    const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS };
    const ecs = new ECSClient(config);
    const events = new EventBridgeClient(config);
    applyMotoAccountHeader(ecs.middlewareStack, accountId);
    applyMotoAccountHeader(events.middlewareStack, accountId);
    try {
      await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
      const examples = await copyExamples(await defaultNetwork(endpoint, accountId));
      // moto drops some CreateService fields (docs/moto.md#createservice-ignores-some-fields): run 2 sets them, run 3 writes nothing.
      for (let run = 0; run < 3; run++) await syncOnce(options(examples));
      expect((await syncOnce(options(examples))).writes).toEqual({});

      const tdArns = (await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns ?? [];
      expect(tdArns).toHaveLength(3);
      const serviceArns = ["web", "worker"].map((name) => `arn:aws:ecs:${MOTO_REGION}:${accountId}:service/shop/${name}`);
      for (const resourceArn of [...tdArns, ...serviceArns])
        await ecs.send(new UntagResourceCommand({ resourceArn, tagKeys: OWNERSHIP_TAGS }));
      const rules = (await events.send(new ListRulesCommand({}))).Rules ?? [];
      for (const rule of rules) await events.send(new UntagRuleCommand({ ResourceARN: rule.Arn, TagKeys: OWNERSHIP_TAGS }));
    } finally {
      ecs.destroy();
      events.destroy();
    }
    out = await mkdtemp(path.join(tmpdir(), "ecs-gitops-export-"));
  });

  it("writes one manifest per resource, each annotated for adoption, labels from the tags", async () => {
    const { io, out: printed, err } = capture();
    expect(await runExport(exportFlags(out), io, { accountIdHeader: accountId })).toBe(0);
    expect(err.join("")).toBe("");
    expect(printed.join("")).toMatch(/Wrote 6 manifest\(s\)/);
    expect(await listFiles(out)).toEqual([
      "nightly-report/scheduled-rule.yaml",
      "nightly-report/task-definition.yaml",
      "web/service.yaml",
      "web/task-definition.yaml",
      "worker/service.yaml",
      "worker/task-definition.yaml",
    ]);
    const service = await readFile(path.join(out, "web/service.yaml"), "utf8");
    expect(service).toMatch(/^# Exported from arn:aws:ecs:us-east-1:\d{12}:service\/shop\/web\n/);
    expect(service).toContain('ecs-gitops/adopt: "true"');
    expect(service).toContain("taskDefinition: web\n");
    expect(service).not.toContain("ecs-gitops:owner");
    const rule = await readFile(path.join(out, "nightly-report/scheduled-rule.yaml"), "utf8");
    expect(rule).toContain("taskDefinition: nightly-report\n");
    expect(rule).toContain("cluster: shop\n");
  });

  it("validates cleanly", async () => {
    const { manifests, problems } = await loadDesiredState(out);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(manifests.map((m) => m.key).sort()).toEqual([
      "ScheduledRule/default/nightly-report",
      "Service/shop/web",
      "Service/shop/worker",
      "TaskDefinition/nightly-report",
      "TaskDefinition/web",
      "TaskDefinition/worker",
    ]);
  });

  it("diffs against the account it came from as ownership tags only; adopting makes only TagResource calls", async () => {
    const plan = await planOnce(options(out));
    try {
      expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
      for (const action of plan.actions) {
        expect(action.type, action.key).toBe("update");
        expect(action.changes.map((c) => c.path).sort(), action.key).toEqual(
          [OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG].map((t) => `/tags/${t}`).sort(),
        );
        expect(action.type !== "blocked" && action.calls.map((c) => c.operation), action.key).toEqual([
          action.kind === "ScheduledRule" ? "events:TagResource" : "ecs:TagResource",
        ]);
      }
    } finally {
      destroyAwsClients(plan.aws);
    }

    const adopted = await syncOnce(options(out));
    expect(adopted.outcomes.every((o) => o.outcome === "applied")).toBe(true);
    expect(adopted.writes).toEqual({ "ecs:TagResource": 5, "events:TagResource": 1 });
    // Adopted: owned now, nothing left to do.
    const after = await syncOnce(options(out));
    expect(after.actions.every((a) => a.type === "noop")).toBe(true);
    expect(after.writes).toEqual({});
  });

  it("refuses to overwrite existing files unless --force", async () => {
    const before = await readFile(path.join(out, "web/service.yaml"), "utf8");
    const refused = capture();
    expect(await runExport(exportFlags(out), refused.io, { accountIdHeader: accountId })).toBe(2);
    expect(refused.err.join("")).toMatch(/already exist.*use --force/s);
    expect(await readFile(path.join(out, "web/service.yaml"), "utf8")).toBe(before);
    const forced = capture();
    expect(await runExport({ ...exportFlags(out), force: true }, forced.io, { accountIdHeader: accountId })).toBe(0);
  });

  it("exports only the services and rules asked for, and fails on a name that does not exist", async () => {
    const only = await mkdtemp(path.join(tmpdir(), "ecs-gitops-export-"));
    const { io } = capture();
    expect(
      await runExport({ cluster: "shop", services: "worker", out: only, region: MOTO_REGION, endpointUrl: endpoint }, io, {
        accountIdHeader: accountId,
      }),
    ).toBe(0);
    expect(await listFiles(only)).toEqual(["worker/service.yaml", "worker/task-definition.yaml"]);
    const missing = capture();
    const none = await mkdtemp(path.join(tmpdir(), "ecs-gitops-export-"));
    expect(
      await runExport({ cluster: "shop", services: "nope", out: none, region: MOTO_REGION, endpointUrl: endpoint }, missing.io, {
        accountIdHeader: accountId,
      }),
    ).toBe(2);
    expect(missing.err.join("")).toMatch(/no such service in cluster "shop": nope/);
    expect(await listFiles(none)).toEqual([]);
  });
});

describe("export on moto_server: resources made by hand, two revisions of one family in use", () => {
  it("exports the newest revision as the family, pins the older one for review, and adopts with tags only", async () => {
    const accountId = newAccountId();
    const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS };
    const ecs = new ECSClient(config);
    const events = new EventBridgeClient(config);
    applyMotoAccountHeader(ecs.middlewareStack, accountId);
    applyMotoAccountHeader(events.middlewareStack, accountId);
    try {
      await ecs.send(new CreateClusterCommand({ clusterName: "ops" }));
      const register = async (image: string) => {
        const { taskDefinition } = await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: "api",
            networkMode: "bridge",
            containerDefinitions: [
              { name: "api", image, memory: 256, essential: true, portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }] },
            ],
            tags: [{ key: "team", value: "ops" }],
          }),
        );
        return taskDefinition?.taskDefinitionArn ?? "";
      };
      const v1 = await register("api:1");
      const v2 = await register("api:2");
      await ecs.send(
        new CreateServiceCommand({
          cluster: "ops",
          serviceName: "api",
          taskDefinition: v2,
          desiredCount: 2,
          launchType: "EC2",
          tags: [{ key: "team", value: "ops" }],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({ cluster: "ops", serviceName: "api-legacy", taskDefinition: v1, desiredCount: 1, launchType: "EC2" }),
      );
      await events.send(new PutRuleCommand({ Name: "api-cleanup", ScheduleExpression: "rate(1 hour)", State: "ENABLED", Description: "" }));
      await events.send(
        new PutTargetsCommand({
          Rule: "api-cleanup",
          Targets: [
            {
              Id: "cleanup",
              Arn: `arn:aws:ecs:${MOTO_REGION}:${accountId}:cluster/ops`,
              RoleArn: `arn:aws:iam::${accountId}:role/events-run-task`,
              EcsParameters: { TaskDefinitionArn: v1, TaskCount: 1, LaunchType: "EC2" },
              Input: JSON.stringify({ containerOverrides: [{ name: "api", command: ["cleanup"] }] }),
            },
            { Id: "audit", Arn: `arn:aws:sqs:${MOTO_REGION}:${accountId}:audit` },
          ],
        }),
      );
    } finally {
      ecs.destroy();
      events.destroy();
    }

    const out = await mkdtemp(path.join(tmpdir(), "ecs-gitops-export-"));
    const { io, err } = capture();
    expect(
      await runExport({ cluster: "ops", allRules: true, out, region: MOTO_REGION, endpointUrl: endpoint }, io, {
        accountIdHeader: accountId,
      }),
    ).toBe(0);
    expect(err.join("")).toMatch(/rule api-cleanup: target audit .* not an ECS task/);
    expect(await listFiles(out)).toEqual([
      "api-cleanup/scheduled-rule.yaml",
      "api-legacy/service.yaml",
      "api/service.yaml",
      "api/task-definition.yaml",
    ]);
    expect(await readFile(path.join(out, "api/service.yaml"), "utf8")).toContain("taskDefinition: api\n");
    const legacy = await readFile(path.join(out, "api-legacy/service.yaml"), "utf8");
    expect(legacy).toMatch(/# review: pinned to revision 1: the exported TaskDefinition api is revision 2.*\n  taskDefinition: api:1\n/);
    const rule = await readFile(path.join(out, "api-cleanup/scheduled-rule.yaml"), "utf8");
    expect(rule).toMatch(/# review: not exported, not ECS task targets: audit/);
    expect(rule).toContain("taskDefinition: api:1\n");
    const td = await readFile(path.join(out, "api/task-definition.yaml"), "utf8");
    expect(td).toMatch(/image: api:2\n/);
    expect(td).not.toMatch(/essential|protocol|hostPort|cpu: 0/);

    const { problems } = await loadDesiredState(out);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    const options: OneShotOptions = { path: out, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops" };
    const plan = await planOnce(options);
    try {
      const specChanges = plan.actions.flatMap((a) =>
        a.changes.filter((c) => !c.path.startsWith("/tags/")).map((c) => `${a.key} ${c.path}`),
      );
      // The only non-tag difference is the one the review comment warns about: the SQS target would go.
      expect(specChanges).toEqual(["ScheduledRule/default/api-cleanup /targets/audit"]);
    } finally {
      destroyAwsClients(plan.aws);
    }
    // Without the non-ECS target (moved elsewhere, as the review says) adopting is tags only.
    const cleanup = new EventBridgeClient(config);
    applyMotoAccountHeader(cleanup.middlewareStack, accountId);
    try {
      await cleanup.send(new RemoveTargetsCommand({ Rule: "api-cleanup", Ids: ["audit"] }));
    } finally {
      cleanup.destroy();
    }
    const adopted = await syncOnce(options);
    expect(adopted.writes).toEqual({ "ecs:TagResource": 3, "events:TagResource": 1 });
    expect((await syncOnce(options)).writes).toEqual({});
  });
});
