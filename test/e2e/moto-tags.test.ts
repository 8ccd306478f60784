import { CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { describe, expect, inject, it } from "vitest";
import { createCluster, ecsFor } from "./controller-harness.js";
import { newAccountId } from "./moto.js";

/*
 * The moto_server every end-to-end test shares must answer DescribeServices like AWS: tags when
 * asked for, whatever other requests run at the same time (docs/moto.md#tags-of-concurrent-describes).
 * Without test/e2e/moto-patches, a describe without TAGS strips them from a concurrent one with
 * TAGS; a controller then finds its own service "not owned" and stalls until the next commit.
 */

const ROUNDS = 300;
const IN_FLIGHT = 12;

describe("moto_server as the tests start it", () => {
  it("answers every DescribeServices with TAGS with the tags, while describes without TAGS run beside it", async () => {
    const ecs = ecsFor(inject("motoEndpoint"), newAccountId());
    await createCluster(ecs, "tags");
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: "tags", containerDefinitions: [{ name: "app", image: "nginx:1", memory: 64 }] }),
    );
    const tags = [{ key: "ecs-gitops:owner", value: "tests" }];
    await ecs.send(new CreateServiceCommand({ cluster: "tags", serviceName: "svc", taskDefinition: "tags", desiredCount: 0, tags }));

    let untagged = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ROUNDS) {
        const withTags = next++ % 2 === 0;
        const answer = await ecs.send(
          new DescribeServicesCommand({ cluster: "tags", services: ["svc"], ...(withTags ? { include: ["TAGS"] } : {}) }),
        );
        if (withTags && answer.services?.[0]?.tags === undefined) untagged++;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    expect(untagged, `of ${ROUNDS / 2} describes with TAGS`).toBe(0);
  }, 120_000);
});
