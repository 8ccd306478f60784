import { describe, expect, it } from "vitest";
import { scopeOf } from "../../../src/engine/prune/scope.js";
import { manifestOf } from "../resources/builders.js";

describe("scopeOf", () => {
  it("asks each kind's plug-in where its orphans would be; a kind that is never pruned adds nothing", () => {
    const manifests = [
      manifestOf("Service", "api", { cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/shop" }),
      manifestOf("Service", "worker", {}),
      manifestOf("ScheduledRule", "hourly", { eventBusName: "ops" }),
      manifestOf("TaskDefinition", "report", {}),
      manifestOf("Schedule", "nightly", {
        groupName: "jobs",
        target: { arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/batch", ecsParameters: { taskDefinitionArn: "report" } },
      }),
      manifestOf("ScalableTarget", "api-scaling", { resourceId: "service/scaled/api" }),
    ];
    expect(scopeOf(manifests, "main")).toEqual({
      Service: ["main", "shop"],
      ScheduledRule: ["default", "ops"],
      TaskDefinition: ["report"],
    });
    expect(scopeOf([], undefined)).toEqual({ Service: [], ScheduledRule: ["default"], TaskDefinition: [] });
  });
});
