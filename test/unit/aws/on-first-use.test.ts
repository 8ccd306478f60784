import path from "node:path";
import { describe, expect, it } from "vitest";
import { importGraph, root, sdkImports } from "../../support/import-graph.js";

// Each is imported only by the calls that need it (DynamoDB: leases).
const LAZY = ["ssm", "cloudwatch-logs", "dynamodb", "scheduler", "application-auto-scaling", "codedeploy"].map(
  (name) => `@aws-sdk/client-${name} `,
);

describe("SDK clients imported on first use (docs/scale.md#lazy-sdk-clients)", () => {
  it("keeps every client but ECS and EventBridge off the static import graph of the process that runs the controller", () => {
    const graph = importGraph(path.join(root, "src/cli/main.ts"));
    // The walk reaches the controller and the SDK (ECS, EventBridge): it is not vacuous.
    expect([...graph.files.keys()].map((file) => path.relative(root, file))).toContain("src/controller/controller.ts");
    expect(sdkImports(graph)).toContainEqual(expect.stringMatching(/^@aws-sdk\/client-ecs <- /));
    expect(
      sdkImports(graph).filter((line) => line.startsWith("@aws-sdk/lib-dynamodb ") || LAZY.some((name) => line.startsWith(name))),
    ).toEqual([]);
  });

  it("still reads SSM and logs through src/aws: the wrappers load the client module on their first call", async () => {
    const { readSsmParameters, readLogStream } = await import("../../../src/aws/index.js");
    // Nothing to read (no names, no lines): the client module is loaded and called, no request is sent.
    const nowhere = { region: "us-east-1", endpoint: "http://127.0.0.1:9" };
    expect(await readSsmParameters(nowhere, [])).toEqual(new Map());
    expect(await readLogStream(nowhere, { group: "g", stream: "s" }, 0)).toEqual([]);
  });
});
