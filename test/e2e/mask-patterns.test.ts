import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { ListTargetsByRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { editFile } from "./desired-repo.js";
import { commitAll, createWorld, eventually, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const endpoint = inject("motoEndpoint");
const RULE = "ScheduledRule/default/nightly-report";

// Names no built-in pattern matches: only ecs-gitops.yaml's maskPatterns make them secret.
const GIT_VALUES = ["dsn-in-git-4b1e", "ingest-in-git-77aa"];
const HAND_VALUE = "dsn-by-hand-c0de";
const DB_PASSWORD = "pgpass-91f3";

/** examples/ with two settings only maskPatterns covers, and a database URL with a password. */
async function withSecrets(dir: string): Promise<void> {
  await appendFile(path.join(dir, "ecs-gitops.yaml"), 'maskPatterns: ["_DSN$", "^ingest[.]"]\n');
  await editFile(dir, "nightly-report/scheduled-rule.yaml", (t) =>
    t.replace(
      "              - {name: REPORT_FORMAT, value: csv}\n",
      `              - {name: REPORT_FORMAT, value: csv}\n              - {name: REPORT_DSN, value: ${GIT_VALUES[0]}}\n`,
    ),
  );
  await editFile(dir, "web/task-definition.yaml", (t) =>
    t
      .replace(
        "        - {name: LOG_LEVEL, value: info}\n",
        `        - {name: LOG_LEVEL, value: info}\n        - {name: DATABASE_URL_RO, ` +
          `value: "postgres://reader:${DB_PASSWORD}@db.internal:5432/shop"}\n`,
      )
      .replace(
        "          awslogs-stream-prefix: web\n",
        `          awslogs-stream-prefix: web\n      dockerLabels:\n        ingest.endpoint: ${GIT_VALUES[1]}\n`,
      ),
  );
}

/** A real HTTP receiver keeping every alert body as sent. */
async function rawReceiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("maskPatterns from ecs-gitops.yaml", () => {
  it("masks the values it names in diff text and plan JSON", async () => {
    const world = await createWorld(endpoint);
    try {
      await withSecrets(world.dir);
      await commitAll(world.dir, "secrets");
      for (const format of ["text", "json"]) {
        let out = "";
        let err = "";
        process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = world.accountId;
        const code = await runCli(
          ["diff", world.dir, "--endpoint-url", world.endpoint, "--region", "us-east-1", "--aws-rate-limit", "off", "-o", format],
          { out: (t) => void (out += t), err: (t) => void (err += t) },
        );
        expect(code, err).toBe(1);
        for (const secret of [...GIT_VALUES, DB_PASSWORD]) expect(out, format).not.toContain(secret);
        expect(out).toContain("REPORT_DSN");
        expect(out).toContain("postgres://***@db.internal:5432/shop");
      }
    } finally {
      delete process.env["ECS_GITOPS_TEST_ACCOUNT_ID"];
      await world.close();
    }
  }, 60_000);

  it("masks them in drift alerts, logs and /status", async () => {
    const world = await createWorld(endpoint);
    const receiver = await rawReceiver();
    await withSecrets(world.dir);
    await commitAll(world.dir, "secrets");
    const run = await runController(world, { resyncMs: 500, alertWebhook: receiver.url });
    try {
      await run.converged();
      // By hand: the rule's target now runs with another DSN.
      const { Targets = [] } = await world.events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }));
      const edited = Targets.map((t) => ({ ...t, Input: t.Input?.replace(GIT_VALUES[0]!, HAND_VALUE) }));
      expect(JSON.stringify(edited)).toContain(HAND_VALUE);
      await world.events.send(new PutTargetsCommand({ Rule: "nightly-report", Targets: edited }));
      await eventually(
        () => receiver.bodies.some((b) => b.includes(RULE) && b.includes("environment")),
        15_000,
        "the drift alert for the rule",
      );
      const status = await run.status();
      expect(status.resources.find((r) => r.key === RULE)?.sync).toBe("OutOfSync");
      const everything = [...receiver.bodies, JSON.stringify(run.lines), JSON.stringify(status)].join("\n");
      for (const secret of [...GIT_VALUES, HAND_VALUE, DB_PASSWORD]) expect(everything).not.toContain(secret);
      expect(receiver.bodies.join("\n")).toContain("(masked)");
    } finally {
      await run.stop();
      await receiver.close();
      await world.close();
    }
  }, 60_000);
});
