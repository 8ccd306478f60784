import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { expect, inject, it } from "vitest";
import { editFile } from "./desired-repo.js";
import { AlertReceiver, commitAll, createWorld, eventually, git, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const WORKER = "Service/shop/worker";

/**
 * Two controllers with the same owner follow two repositories that define the same resources.
 * The second one must not redeploy its version on every resync: it reports each resource as
 * owned by the first repository, with an alert, and writes nothing.
 */
it("a controller of another repository with the same owner is blocked with an alert and writes nothing", { timeout: 60_000 }, async () => {
  const world = await createWorld(endpoint);
  const receiver = await AlertReceiver.start();
  const other = await mkdtemp(path.join(tmpdir(), "ecs-gitops-other-repo-"));
  try {
    const first = await runController(world, { resyncMs: 500 });
    await first.converged();
    await first.stop();

    await cp(world.dir, other, { recursive: true });
    await git(other, "remote", "add", "origin", "https://bot:hunter2@github.com/acme/platform-deploy.git");
    await editFile(other, "worker/service.yaml", (t) => t.replace(/desiredCount: \d+/, "desiredCount: 7"));
    await commitAll(other, "our own worker");
    const second = await runController({ ...world, dir: other }, { resyncMs: 500, alertWebhook: receiver.url });
    try {
      // Every resource: blocked as owned by the first repository, each with one alert.
      const keys = [
        "TaskDefinition/web",
        "TaskDefinition/worker",
        "TaskDefinition/nightly-report",
        WORKER,
        "Service/shop/web",
        "ScheduledRule/default/nightly-report",
      ];
      await eventually(
        () => keys.every((key) => receiver.deliveries.some((d) => d.key === key && d.text.includes("NotOwned"))),
        15_000,
        "a NotOwned alert per resource",
      );
      for (const resource of (await second.status()).resources) expect(resource.message, resource.key).toContain(`owned by ${world.dir}`);
      const status = await second.status();
      expect(status.resources.find((r) => r.key === WORKER)).toMatchObject({ sync: "OutOfSync", lastError: { code: "NotOwned" } });
      expect(JSON.stringify(status)).not.toContain("hunter2");
      // Several resync periods later: still nothing written, nothing but alerts sent.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const writes = Object.entries(second.controller.calls.snapshot().byOperation).filter(
        ([op, s]) => s.kind === "write" && s.calls > 0 && op !== "events:PutEvents",
      );
      expect(writes).toEqual([]);
      const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"] }));
      expect(services?.[0]?.desiredCount).toBe(3);
    } finally {
      await second.stop();
    }
  } finally {
    await receiver.close();
    await world.close();
    await rm(other, { recursive: true, force: true });
  }
});
