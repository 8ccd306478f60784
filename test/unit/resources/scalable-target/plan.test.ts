import { describe, expect, it } from "vitest";
import { planScalableTarget } from "../../../../src/resources/scalable-target/plan.js";
import { withScaledServices } from "../../../../src/resources/scalable-target/link.js";
import type { LiveScalableTarget } from "../../../../src/resources/scalable-target/normalize.js";
import { validateScalableTarget } from "../../../../src/resources/scalable-target/validate.js";
import { OWNER_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext } from "../builders.js";

const spec = {
  serviceNamespace: "ecs",
  resourceId: "service/prod/api",
  scalableDimension: "ecs:service:DesiredCount",
  minCapacity: 3,
  maxCapacity: 12,
  policies: [
    {
      policyName: "requests",
      policyType: "TargetTrackingScaling",
      targetTrackingScalingPolicyConfiguration: {
        targetValue: 800,
        predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: "app/api/1/targetgroup/api/2" },
      },
    },
  ],
};
const manifest = manifestOf("ScalableTarget", "api", spec);
const ctx = planContext();
const linked =
  "arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/" +
  "AWSServiceRoleForApplicationAutoScaling_ECSService";

function live(overrides: { max?: number; targetValue?: number; extraPolicy?: boolean; owner?: string } = {}): LiveScalableTarget {
  const policy = (name: string, value: number) => ({
    PolicyARN: `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/service/prod/api:policyName/${name}`,
    PolicyName: name,
    ServiceNamespace: "ecs",
    ResourceId: "service/prod/api",
    ScalableDimension: "ecs:service:DesiredCount",
    PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: value,
      PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget", ResourceLabel: "app/api/1/targetgroup/api/2" },
      DisableScaleIn: false,
    },
    Alarms: [{ AlarmName: "TargetTracking-service/prod/api-AlarmHigh", AlarmARN: "arn:aws:cloudwatch:…" }],
    CreationTime: "2025-01-01T00:00:00.000Z",
  });
  return {
    target: {
      ServiceNamespace: "ecs",
      ResourceId: "service/prod/api",
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: 3,
      MaxCapacity: overrides.max ?? 12,
      RoleARN: linked,
      SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
      CreationTime: "2025-01-01T00:00:00.000Z",
      ScalableTargetARN: "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0123abcd",
    },
    policies: [policy("requests", overrides.targetValue ?? 800), ...(overrides.extraPolicy ? [policy("by-hand", 50)] : [])],
    serviceTags: { [OWNER_TAG]: overrides.owner ?? "ecs-gitops" },
  };
}

describe("planScalableTarget", () => {
  it("registers the target, then puts each policy, after the service it scales", () => {
    const action = planScalableTarget(manifest, undefined, ctx);
    expect(action.type).toBe("create");
    if (action.type !== "create") return;
    expect(action.after).toEqual(["Service/prod/api"]);
    expect(action.calls.map((c) => c.operation)).toEqual([
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:PutScalingPolicy",
    ]);
    expect(action.calls[0]?.input).toMatchObject({
      ServiceNamespace: "ecs",
      ResourceId: "service/prod/api",
      MinCapacity: 3,
      MaxCapacity: 12,
    });
    expect(action.calls[1]?.input).toMatchObject({
      PolicyName: "requests",
      ResourceId: "service/prod/api",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 800,
        PredefinedMetricSpecification: { ResourceLabel: "app/api/1/targetgroup/api/2" },
      },
    });
  });

  it("is a no-op when AWS matches (the service-linked role, alarms and defaults are no difference)", () => {
    expect(planScalableTarget(manifest, live(), ctx)).toMatchObject({ type: "noop", changes: [] });
  });

  it(
    "writes only what drifted: capacity by RegisterScalableTarget, a " +
      "policy by PutScalingPolicy, a stray policy by DeleteScalingPolicy",
    () => {
      const ops = (l: LiveScalableTarget) => {
        const action = planScalableTarget(manifest, l, ctx);
        return action.type === "update" ? action.calls.map((c) => c.operation) : action.type;
      };
      expect(ops(live({ max: 30 }))).toEqual(["application-autoscaling:RegisterScalableTarget"]);
      expect(ops(live({ targetValue: 1000 }))).toEqual(["application-autoscaling:PutScalingPolicy"]);
      expect(ops(live({ extraPolicy: true }))).toEqual(["application-autoscaling:DeleteScalingPolicy"]);
    },
  );

  it("never writes the scalable target of a service that is not ours", () => {
    const action = planScalableTarget(manifest, live({ owner: "another-team", max: 30 }), ctx);
    expect(action.type === "blocked" ? action.code : action.type).toBe("NotOwned");
  });
});

describe("a scaled Service", () => {
  it("ignores desiredCount, an unscaled one does not", () => {
    const scaled = manifestOf("Service", "api", { cluster: "prod", desiredCount: 3 });
    const other = manifestOf("Service", "worker", { cluster: "prod", desiredCount: 1 });
    const out = withScaledServices([scaled, other, manifest]);
    expect(out.map((m) => m.derivedIgnores)).toEqual([["desiredCount"], undefined, undefined]);
  });

  it("must be a Service of the same repository", () => {
    const problems = validateScalableTarget(manifest, {
      defaultCluster: undefined,
      findTaskDefinition: () => undefined,
      isBrokenTaskDefinition: () => false,
      hasService: (key) => key === "Service/prod/worker",
    });
    expect(problems.map((p) => [p.rule, p.code])).toEqual([["scalable-target-resource", "UnresolvedReference"]]);
  });
});
