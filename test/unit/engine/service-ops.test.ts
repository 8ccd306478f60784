import { describe, expect, it } from "vitest";
import { cli as runCaptured } from "../../support/cli.js";
import { operationsFor, readOwnedResource } from "../../../src/engine/service-ops.js";
import type { AwsClients } from "../../../src/aws/index.js";
import { KINDS } from "../../../src/manifests/types.js";
import { KIND_PLUGINS } from "../../../src/resources/registry.js";

// Never used: every key below is refused before anything is read.
const NO_AWS = {} as AwsClients;

// A closed port: had the command read AWS, it would fail with another message and exit 1.
const cli = (...argv: string[]) =>
  runCaptured(...argv, "--region", "eu-west-3", "--endpoint-url", "http://127.0.0.1:9", "--aws-rate-limit", "off");

describe("day-2 operations through the kind plug-in", () => {
  it("looks a key's kind up in the registry: a Service key gets the Service plug-in's operations", () => {
    expect(operationsFor("Service/shop/web", "restart")).toBe(KIND_PLUGINS.Service.operations);
    expect(operationsFor("Service/shop/web", "rollback", "release")).toBe(KIND_PLUGINS.Service.operations);
  });

  it.each([
    [
      "TaskDefinition/web",
      "restart",
      "restart",
      "TaskDefinition/web: TaskDefinition has no restart; restart acts on Service/<cluster>/<name>",
    ],
    [
      "Schedule/nightly/report",
      "rollback",
      "rollback",
      "Schedule/nightly/report: Schedule has no rollback; rollback acts on Service/<cluster>/<name>",
    ],
    ["ScheduledRule/default/tick", "rollback", "release", "ScheduledRule/default/tick: ScheduledRule has no rollback; release acts on"],
    ["ScalableTarget/web-scaling", "restart", "restart", "ScalableTarget/web-scaling: ScalableTarget has no restart;"],
  ] as const)("refuses %s for %s (InvalidRequest, naming the kind and the kinds that have it)", (key, operation, command, message) => {
    expect(() => operationsFor(key, operation, command)).toThrow(message);
    expect(() => operationsFor(key, operation, command)).toThrow(expect.objectContaining({ code: "InvalidRequest", where: key }));
  });

  it("refuses a key that names no kind, with the form of the keys that have the operation", () => {
    expect(() => operationsFor("Deployment/shop/web", "restart")).toThrow(
      '"Deployment/shop/web" is not a resource key: write Service/<cluster>/<name>',
    );
  });

  it("refuses before reading: a kind without the operation never reaches AWS", async () => {
    await expect(readOwnedResource(NO_AWS, "TaskDefinition/web", "ecs-gitops", "rollback")).rejects.toThrow(
      "TaskDefinition has no rollback",
    );
  });

  it("only the kinds whose plug-in writes them out have operations (today: Service)", () => {
    expect(KINDS.filter((kind) => KIND_PLUGINS[kind].operations !== undefined)).toEqual(["Service"]);
  });

  it.each([
    ["restart", "TaskDefinition/web", "TaskDefinition/web: TaskDefinition has no restart; restart acts on Service/<cluster>/<name>"],
    ["rollback", "ScheduledRule/default/tick", "ScheduledRule has no rollback; rollback acts on Service/<cluster>/<name>"],
    ["release", "Schedule/default/report", "Schedule has no rollback; release acts on Service/<cluster>/<name>"],
  ])("`%s %s` exits 2 with the refusal, reading nothing", async (command, key, message) => {
    const result = await cli(command, key);
    expect(result.err).toContain(`error [InvalidRequest]: `);
    expect(result.err).toContain(message);
    expect(result.out).toBe("");
    expect(result.code).toBe(2);
  });

  it("a malformed Service key is refused by the Service plug-in as before (exit 2)", async () => {
    const result = await cli("restart", "Service/web");
    expect(result.err).toContain('"Service/web" is not a service key: write Service/<cluster>/<name>');
    expect(result.code).toBe(2);
  });
});
