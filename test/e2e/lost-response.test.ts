import { ListServicesCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { ListRulesCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { destroyAwsClients } from "../../src/aws/index.js";
import { formatStats } from "../../src/cli/print-stats.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import { editFile } from "./desired-repo.js";
import { FaultProxy } from "./fault-proxy.js";
import type { Fault } from "./fault-proxy.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const FAMILIES = ["nightly-report", "web", "worker"];

/**
 * Every write is applied by moto and then loses its response (HTTP 500, a reset connection, or a
 * throttle answered after the request went through). The SDK retries; what AWS must end up with
 * is exactly what one successful run makes: no second revision, service, rule or target.
 */
describe("a write that landed but lost its response is not made twice", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = new FaultProxy(endpoint);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  async function account() {
    const { accountId, ecs, events, dir, destroy } = await examplesAccount(endpoint);
    const inventory = async () => {
      const revisions: Record<string, number> = {};
      for (const family of FAMILIES)
        revisions[family] = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns?.length ?? 0;
      const services = (await ecs.send(new ListServicesCommand({ cluster: "shop" }))).serviceArns?.length ?? 0;
      const rules = (await events.send(new ListRulesCommand({}))).Rules?.length ?? 0;
      const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }))).Targets?.length ?? 0;
      return { revisions, services, rules, targets };
    };
    const sync = async () => {
      const plan = await planOnce({
        path: dir,
        region: MOTO_REGION,
        endpoint: proxy.endpoint,
        accountIdHeader: accountId,
        owner: "ecs-gitops",
        rateLimit: false,
      });
      try {
        const outcomes = await applyOnce(plan);
        return { outcomes: outcomes.map((o) => [o.key, o.outcome]), stats: plan.calls.snapshot() };
      } finally {
        destroyAwsClients(plan.aws);
      }
    };
    return { dir, inventory, sync, close: destroy };
  }

  const created = { revisions: { "nightly-report": 1, web: 1, worker: 1 }, services: 2, rules: 1, targets: 1 };
  const createCases: { operation: string; fault: Fault; nonIdempotent: boolean }[] = [];
  for (const fault of ["500", "reset", "throttle"] as const) {
    createCases.push(
      { operation: "RegisterTaskDefinition", fault, nonIdempotent: true },
      { operation: "CreateService", fault, nonIdempotent: true },
    );
  }
  for (const fault of ["500", "reset"] as const)
    createCases.push({ operation: "PutRule", fault, nonIdempotent: false }, { operation: "PutTargets", fault, nonIdempotent: false });

  it.each(createCases)("cold sync, $operation answered $fault after moto applied it", async ({ operation, fault, nonIdempotent }) => {
    const world = await account();
    try {
      proxy.failNext({ operation, fault, times: 1 });
      const first = await world.sync();
      const sent = proxy.seen.get(operation) ?? 0;
      proxy.failNext(undefined);
      expect(first.outcomes.filter(([, outcome]) => outcome !== "applied")).toEqual([]);
      expect(await world.inventory()).toEqual(created);
      const stats = first.stats.byOperation[`${operation === "PutRule" || operation === "PutTargets" ? "events" : "ecs"}:${operation}`];
      if (nonIdempotent) {
        // The retry asked AWS first, found the write had landed, and did not send it again.
        expect(stats).toMatchObject({ attempts: stats?.calls, landedChecks: 1, landedFound: 1 });
        expect(sent).toBe(stats?.calls);
      } else {
        // Idempotent: sent again, and --stats shows the extra attempt.
        expect(stats?.attempts).toBe((stats?.calls ?? 0) + 1);
      }
      expect(formatStats(first.stats)).toMatch(new RegExp(`${operation}\\s+\\d+\\s+${stats?.attempts}\\b`));
    } finally {
      world.close();
    }
  });

  /** One edit per step, each making the write that then loses its response. */
  type Step = { operation: string; edits: [string, (text: string) => string][] };
  const label = (value: string): Step["edits"] =>
    ["web/service.yaml", "nightly-report/scheduled-rule.yaml"].map((file) => [
      file,
      (t: string) => t.replace(/team: \S+/, `team: ${value}`),
    ]);
  const unlabel: Step["edits"] = ["web/service.yaml", "nightly-report/scheduled-rule.yaml"].map((file) => [
    file,
    (t: string) => t.replace(/\n    team: \S+/, "\n    owner-team: shop"),
  ]);
  const relabel: Step["edits"] = ["web/service.yaml", "nightly-report/scheduled-rule.yaml"].map((file) => [
    file,
    (t: string) => t.replace(/\n    owner-team: shop/, "\n    team: shop"),
  ]);
  const image = (version: string): Step["edits"] => [
    ["web/task-definition.yaml", (t: string) => t.replace(/shop\/web:[\d.]+/, `shop/web:${version}`)],
  ];
  const rule = "nightly-report/scheduled-rule.yaml";
  const secondTarget: Step["edits"] = [
    [rule, (t: string) => t + t.slice(t.indexOf("    - id: report")).replace("- id: report", "- id: report-2")],
  ];
  const oneTarget: Step["edits"] = [[rule, (t: string) => t.slice(0, t.indexOf("    - id: report-2"))]];
  const steps: Step[] = [
    { operation: "RegisterTaskDefinition", edits: image("2.0.0") },
    { operation: "UpdateService", edits: image("2.0.1") },
    { operation: "AmazonEC2ContainerServiceV20141113.TagResource", edits: label("shop-1") },
    { operation: "AWSEvents.TagResource", edits: label("shop-2") },
    { operation: "AmazonEC2ContainerServiceV20141113.UntagResource", edits: unlabel },
    { operation: "PutRule", edits: [...relabel, [rule, (t: string) => t.replace("cron(0 3 * * ? *)", "cron(0 4 * * ? *)")]] },
    { operation: "AWSEvents.UntagResource", edits: unlabel },
    { operation: "PutTargets", edits: [...relabel, ...secondTarget] },
    { operation: "RemoveTargets", edits: oneTarget },
  ];

  it.each(["500", "reset", "throttle"] as const)("updates, each write answered %s after moto applied it in turn", async (fault) => {
    const world = await account();
    try {
      expect((await world.sync()).outcomes.filter(([, o]) => o !== "applied")).toEqual([]);
      for (const { operation, edits } of steps) {
        for (const [file, edit] of edits) await editFile(world.dir, file, edit);
        proxy.failNext({ operation, fault, times: 1 });
        const run = await world.sync();
        const failed = proxy.seen.get(operation.slice(operation.lastIndexOf(".") + 1)) ?? 0;
        proxy.failNext(undefined);
        expect(failed, `${operation} was made`).toBeGreaterThan(0);
        expect(
          run.outcomes.filter(([, o]) => o === "failed"),
          operation,
        ).toEqual([]);
        // Every attempt is counted: one more than the logical calls, or a landed check instead.
        const attempts = Object.values(run.stats.byOperation).reduce((n, s) => n + s.attempts + s.landedFound, 0);
        expect(attempts, operation).toBe(run.stats.reads + run.stats.writes + 1);
      }
      expect(await world.inventory()).toEqual({ ...created, revisions: { ...created.revisions, web: 3 } });
    } finally {
      world.close();
    }
  });
});
