import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { describe, expect, inject, it } from "vitest";
import { editFile } from "./desired-repo.js";
import { commitAll, createWorld, eventually, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
process.env["AWS_REGION"] ??= MOTO_REGION;

const endpoint = inject("motoEndpoint");

describe("ecs-gitops.yaml in the followed repository", () => {
  it("keeps the last good commit in force when the settings file breaks, and applies the next good one", { timeout: 90_000 }, async () => {
    const world = await createWorld(endpoint);
    const run = await runController(world, { resyncMs: 500 });
    try {
      await run.converged();
      const desiredCount = async (cluster: string) => {
        const response = await world.ecs
          .send(new DescribeServicesCommand({ cluster, services: ["worker"], include: ["TAGS"] }))
          .catch((error: Error) => {
            if (error.name === "ClusterNotFoundException") return undefined; // nothing can have gone there
            throw error;
          });
        return response?.services?.find((s) => s.status === "ACTIVE")?.desiredCount;
      };
      expect(await desiredCount("shop")).toBe(3);

      // One commit breaks the settings file (the default cluster lives there) and changes worker.
      await editFile(world.dir, "ecs-gitops.yaml", (t) => t.replace("cluster: shop", "cluster: [shop"));
      await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
      await commitAll(world.dir, "broken settings");
      const status = await eventually(
        async () => {
          const s = await run.status();
          return s.manifestErrors.some((e) => e.file.endsWith("ecs-gitops.yaml")) ? s : undefined;
        },
        10_000,
        "the settings error in /status",
      );
      expect(
        status.resources
          .filter((r) => r.key.startsWith("Service/"))
          .map((r) => r.key)
          .sort(),
      ).toEqual(["Service/shop/web", "Service/shop/worker"]);
      // Several resyncs later nothing moved: not the worker, and nothing in the AWS default cluster.
      await run.cycles("Service/shop/worker", 3);
      expect(await desiredCount("shop")).toBe(3);
      expect(await desiredCount("default")).toBeUndefined();

      await editFile(world.dir, "ecs-gitops.yaml", (t) => t.replace("cluster: [shop", "cluster: shop"));
      await commitAll(world.dir, "fixed settings");
      await eventually(async () => (await desiredCount("shop")) === 4, 10_000, "worker scaled to 4 from the next good commit");
      expect((await run.status()).manifestErrors).toEqual([]);
    } finally {
      await run.stop();
      await world.close();
    }
  });

  it("stops applying commits when the file turns automated sync off, and reports them OutOfSync", { timeout: 90_000 }, async () => {
    const world = await createWorld(endpoint);
    const run = await runController(world, { resyncMs: 500 });
    try {
      await run.converged();
      await editFile(world.dir, "ecs-gitops.yaml", (t) => t.replace("automated: true", "automated: false"));
      await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
      await commitAll(world.dir, "manual sync from now on");
      const worker = await eventually(
        async () => {
          const status = (await run.status()).resources.find((r) => r.key === "Service/shop/worker");
          return status?.sync === "OutOfSync" ? status : undefined;
        },
        10_000,
        "worker OutOfSync",
      );
      expect(worker.message).toContain("automated sync is off");
      await run.cycles("Service/shop/worker", 3);
      const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"], include: ["TAGS"] }));
      expect(services?.[0]?.desiredCount).toBe(3);
    } finally {
      await run.stop();
      await world.close();
    }
  });
});
