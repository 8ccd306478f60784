import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSourceTree } from "../../../src/environments/load.js";

const BASE = {
  "base/td.yaml":
    "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata: {name: " +
    "job}\nspec:\n  containerDefinitions:\n    - {name: job, image: job:1, " +
    "memory: 512}\n",
  "base/service.yaml":
    "apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: api}\nspec:\n  cluster: main\n  taskDefinition: job\n  desiredCount: 2\n",
  "base/scaling.yaml":
    "apiVersion: ecs-gitops/v1\nkind: ScalableTarget\nmetadata: {name: " +
    "api}\nspec:\n  serviceNamespace: ecs\n  resourceId: " +
    "service/main/api\n  scalableDimension: ecs:service:DesiredCount\n",
  "base/other.yaml":
    "apiVersion: ecs-gitops/v1\nkind: ScalableTarget\nmetadata: {name: " +
    "theirs}\nspec:\n  serviceNamespace: ecs\n  resourceId: " +
    "service/main/theirs\n  scalableDimension: ecs:service:DesiredCount\n",
  "base/schedule.yaml":
    "apiVersion: ecs-gitops/v1\nkind: Schedule\nmetadata: {name: " +
    "nightly}\nspec:\n  scheduleExpression: rate(1 day)\n  target:\n    " +
    "arn: arn:aws:ecs:us-east-1:123456789012:cluster/main\n    roleArn: " +
    "arn:aws:iam::123456789012:role/s\n    ecsParameters: " +
    "{taskDefinitionArn: job}\n",
  "envs/one/ecs-gitops.yaml": "bases: [../../base]\nnamePrefix: one-\n",
};

describe("an environment's name prefix", () => {
  it("follows a schedule's family and a scalable target's service, not what the manifests do not define", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "envs-kinds-"));
    for (const [file, text] of Object.entries(BASE)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    const loaded = await loadSourceTree(path.join(dir, "envs", "one"));
    const byKey = new Map(loaded.manifests.map((m) => [m.key, m.spec]));
    expect(byKey.get("ScalableTarget/one-api")?.["resourceId"]).toBe("service/main/one-api");
    expect(byKey.get("ScalableTarget/one-theirs")?.["resourceId"]).toBe("service/main/theirs");
    expect(byKey.get("Schedule/default/one-nightly")?.["target"]).toMatchObject({ ecsParameters: { taskDefinitionArn: "one-job" } });
  });
});
