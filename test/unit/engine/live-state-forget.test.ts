import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LiveReader } from "../../../src/engine/live-state.js";
import { ACCOUNT, assertAllCalled, aws, fakeClients, isolateNetwork, replyError, replyJson, restoreNetwork } from "../../aws/aws-nock.js";
import { manifestOf } from "../resources/builders.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

const web = manifestOf("TaskDefinition", "web", { containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }] });
const registered = {
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:3`,
  family: "web",
  revision: 3,
  status: "ACTIVE",
  containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }],
};

describe("LiveReader.forgetCached", () => {
  it("asks AWS again for a revision it registered itself, instead of trusting its cache", async () => {
    const reader = new LiveReader(fakeClients());
    reader.recordWrite(
      { operation: "ecs:RegisterTaskDefinition", input: { family: "web", tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }] } },
      { taskDefinition: registered },
    );
    expect((await reader.snapshot([web], { defaultCluster: undefined })).revisions.get("web")?.map((r) => r.revision)).toEqual([3]);

    // The endpoint came back without it (a restarted emulator; a revision deregistered meanwhile).
    reader.forgetCached();
    replyError(aws("ecs", "DescribeTaskDefinition"), 400, "ClientException", "Unable to describe task definition.");
    const snapshot = await reader.snapshot([web], { defaultCluster: undefined });
    expect(snapshot.revisions.get("web")).toEqual([]);
  });
});

describe("LiveReader.recordFailedWrite", () => {
  it("reads a family's latest revision again after a registration failed (it may have landed), and only then", async () => {
    const reader = new LiveReader(fakeClients());
    replyError(aws("ecs", "DescribeTaskDefinition"), 400, "ClientException", "Unable to describe task definition.");
    expect((await reader.snapshot([web], { defaultCluster: undefined })).revisions.get("web")).toEqual([]);
    // Known now (nothing registered): a second snapshot asks nothing.
    expect((await reader.snapshot([web], { defaultCluster: undefined })).revisions.get("web")).toEqual([]);

    // The registration's response was lost; it landed as revision 3.
    reader.recordFailedWrite({ operation: "ecs:RegisterTaskDefinition", input: { family: "web" } });
    replyJson(
      aws("ecs", "DescribeTaskDefinition", (body) => body["taskDefinition"] === "web"),
      { taskDefinition: registered, tags: [] },
    );
    const snapshot = await reader.snapshot([web], { defaultCluster: undefined });
    expect(snapshot.revisions.get("web")?.map((r) => r.revision)).toEqual([3]);
  });
});
