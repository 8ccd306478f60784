import { describe, expect, it } from "vitest";
import {
  clusterName,
  eventBusName,
  familyOfArn,
  isClusterArn,
  isTaskDefinitionRef,
  nameOrArnName,
  parseArn,
  parseTaskDefinitionArn,
  parseTaskDefinitionRef,
  revisionOfRef,
  serviceArnFormat,
  serviceNameOfArn,
  taskDefinitionArn,
  taskDefinitionRefOf,
  taskIdOfArn,
} from "../../../src/aws/arn.js";
import { readResourceKey, resourceKey } from "../../../src/manifests/identity.js";

const ACCOUNT = "210987654321";

describe("the one ARN reader", () => {
  it("splits an ARN and keeps the resource whole", () => {
    expect(parseArn(`arn:aws-cn:ecs:cn-north-1:${ACCOUNT}:service/batch/ingest`)).toEqual({
      partition: "aws-cn",
      service: "ecs",
      region: "cn-north-1",
      account: ACCOUNT,
      resource: "service/batch/ingest",
    });
    expect(parseArn("ingest")).toBeUndefined();
    expect(parseArn("arn:aws:ecs")).toBeUndefined();
  });

  it.each([
    [`arn:aws:ecs:ap-south-1:${ACCOUNT}:cluster/batch`, "batch"],
    ["batch", "batch"],
    // Another service's ARN is no cluster ARN: kept as written, so validation reports it.
    [`arn:aws:events:ap-south-1:${ACCOUNT}:cluster/batch`, `arn:aws:events:ap-south-1:${ACCOUNT}:cluster/batch`],
  ])("cluster %s → %s", (input, name) => expect(clusterName(input)).toBe(name));

  it("reads event bus, IAM role and task definition names out of their ARNs", () => {
    expect(eventBusName(`arn:aws:events:ap-south-1:${ACCOUNT}:event-bus/audit`)).toBe("audit");
    expect(nameOrArnName(`arn:aws:iam::${ACCOUNT}:role/path/to/runner`, "iam", "role")).toBe("path/to/runner");
    expect(taskDefinitionRefOf(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest:12`)).toBe("ingest:12");
    expect(taskDefinitionRefOf("ingest:12")).toBe("ingest:12");
  });

  it("tells long service ARNs (taggable) from short ones", () => {
    expect(serviceArnFormat(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/batch/ingest`)).toBe("long");
    expect(serviceArnFormat(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/ingest`)).toBe("short");
    expect(serviceArnFormat(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/a/b/c`)).toBeUndefined();
    expect(serviceArnFormat(`arn:aws:ecs:ap-south-1:${ACCOUNT}:cluster/batch`)).toBeUndefined();
  });

  it("parses task definition ARNs with and without a revision, and builds them", () => {
    const arn = taskDefinitionArn("ap-south-1", ACCOUNT, "ingest", 12);
    expect(arn).toBe(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest:12`);
    expect(parseTaskDefinitionArn(arn)).toEqual({ family: "ingest", revision: 12 });
    expect(parseTaskDefinitionArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest`)).toEqual({
      family: "ingest",
      revision: undefined,
    });
    expect(familyOfArn(arn)).toBe("ingest");
    // A family-only ARN names no revision: nothing in use to attribute.
    expect(familyOfArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest`)).toBeUndefined();
    expect(parseTaskDefinitionArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/batch/ingest`)).toBeUndefined();
  });

  it("classifies how a manifest names a task definition", () => {
    expect(parseTaskDefinitionRef("ingest")).toEqual({ type: "family", family: "ingest" });
    expect(parseTaskDefinitionRef("ingest:3")).toEqual({ type: "pinned", family: "ingest", revision: 3 });
    expect(parseTaskDefinitionRef(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest`)).toEqual({
      type: "latest",
      family: "ingest",
    });
    expect(parseTaskDefinitionRef("ingest:0")).toEqual({ type: "invalid" });
  });

  it("reads a revision from an ARN or a pin, and tells refs RunTask accepts", () => {
    expect(revisionOfRef(`arn:aws-cn:ecs:cn-north-1:${ACCOUNT}:task-definition/ingest:41`)).toBe(41);
    expect(revisionOfRef("ingest:12")).toBe(12);
    expect(revisionOfRef(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest`)).toBeUndefined();
    expect(revisionOfRef("ingest")).toBeUndefined();
    expect(isTaskDefinitionRef("ingest")).toBe(true);
    expect(isTaskDefinitionRef("ingest:12")).toBe(true);
    expect(isTaskDefinitionRef(`arn:aws-us-gov:ecs:us-gov-west-1:${ACCOUNT}:task-definition/ingest:2`)).toBe(true);
    expect(isTaskDefinitionRef(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task-definition/ingest`)).toBe(true);
    expect(isTaskDefinitionRef("ingest:0")).toBe(false);
    expect(isTaskDefinitionRef(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/batch/ingest`)).toBe(false);
  });

  it("tells a cluster ARN from a name, and reads a task's id", () => {
    expect(isClusterArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:cluster/batch`)).toBe(true);
    expect(isClusterArn("batch")).toBe(false);
    expect(isClusterArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/batch/ingest`)).toBe(false);
    expect(isClusterArn(`arn:aws:sqs:ap-south-1:${ACCOUNT}:batch`)).toBe(false);
    expect(taskIdOfArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task/batch/5e1b9c0a`)).toBe("5e1b9c0a");
    expect(taskIdOfArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:task/5e1b9c0a`)).toBe("5e1b9c0a");
    expect(serviceNameOfArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/batch/ingest`)).toBe("ingest");
    expect(serviceNameOfArn(`arn:aws:ecs:ap-south-1:${ACCOUNT}:service/ingest`)).toBe("ingest");
    expect(serviceNameOfArn("ingest")).toBe("ingest");
  });
});

describe("resource keys from the kind table", () => {
  it("scopes a name by the field its kind names, an ARN there by the name inside it", () => {
    expect(resourceKey("Service", "ingest", { cluster: `arn:aws:ecs:ap-south-1:${ACCOUNT}:cluster/batch` })).toBe("Service/batch/ingest");
    expect(resourceKey("Service", "ingest", {}, "fallback")).toBe("Service/fallback/ingest");
    expect(resourceKey("ScheduledRule", "nightly", {}, "fallback")).toBe("ScheduledRule/default/nightly");
    expect(resourceKey("TaskDefinition", "ingest", { cluster: "batch" })).toBe("TaskDefinition/ingest");
  });

  it("reads a malformed key as nothing instead of throwing", () => {
    expect(readResourceKey("Service/batch/ingest")).toEqual({ kind: "Service", scope: "batch", name: "ingest" });
    expect(readResourceKey("TaskDefinition/")).toBeUndefined();
    expect(readResourceKey("Gadget/x")).toBeUndefined();
  });
});
