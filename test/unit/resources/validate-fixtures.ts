// Minimal valid manifests for the semantic-rule tests: each test copies one, breaks one thing,
// and expects exactly that rule to fire (and nothing when unbroken).
import { stringify } from "yaml";
import type { JsonObject } from "../../../src/json.js";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import type { Kind, LoadResult } from "../../../src/manifests/types.js";
import { finishDesiredState } from "../../../src/resources/load.js";

export type Doc = { kind: Kind; name: string; spec: JsonObject; labels?: Record<string, string> };

export function yamlOf(doc: Doc): string {
  const metadata = doc.labels ? { name: doc.name, labels: doc.labels } : { name: doc.name };
  return stringify({ apiVersion: "ecs-gitops/v1", kind: doc.kind, metadata, spec: doc.spec });
}

export function fileOf(doc: Doc): string {
  return `${doc.kind}-${doc.name}.yaml`;
}

/** Load and validate documents, one file each, exactly as `validate` does. */
export function validateDocs(docs: readonly Doc[], options: { defaultCluster?: string } = {}): LoadResult {
  const files = docs.map((doc) => ({ file: fileOf(doc), bytes: new TextEncoder().encode(yamlOf(doc)) }));
  return finishDesiredState(loadManifestFiles(files, options), options);
}

export function rulesOf(result: LoadResult): string[] {
  return result.problems.map((p) => p.rule ?? p.code);
}

export function fargateTaskDefinition(name = "web"): Doc {
  return {
    kind: "TaskDefinition",
    name,
    spec: {
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "app", image: "nginx:1.27", portMappings: [{ containerPort: 80 }] }],
    },
  };
}

export function ec2TaskDefinition(name = "worker"): Doc {
  return {
    kind: "TaskDefinition",
    name,
    spec: {
      requiresCompatibilities: ["EC2"],
      networkMode: "bridge",
      containerDefinitions: [{ name: "app", image: "busybox", memory: 256, portMappings: [{ containerPort: 8080, hostPort: 0 }] }],
    },
  };
}

export const SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"];
export const SECURITY_GROUPS = ["sg-0a1b2c3d4e5f60001"];

export function fargateService(name = "web", taskDefinition = "web"): Doc {
  return {
    kind: "Service",
    name,
    spec: {
      cluster: "shop",
      taskDefinition,
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: [...SUBNETS], securityGroups: [...SECURITY_GROUPS] } },
      loadBalancers: [
        {
          targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef",
          containerName: "app",
          containerPort: 80,
        },
      ],
    },
  };
}

export function ec2Service(name = "worker", taskDefinition = "worker"): Doc {
  return { kind: "Service", name, spec: { cluster: "shop", taskDefinition, desiredCount: 1, launchType: "EC2" } };
}

export function scheduledRule(name = "nightly", taskDefinition = "web"): Doc {
  return {
    kind: "ScheduledRule",
    name,
    spec: {
      scheduleExpression: "cron(0 3 * * ? *)",
      targets: [
        {
          id: "run",
          cluster: "shop",
          taskDefinition,
          roleArn: "arn:aws:iam::123456789012:role/events-run-task",
          launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: [...SUBNETS], securityGroups: [...SECURITY_GROUPS] } },
        },
      ],
    },
  };
}

/** A deep copy to break in one place. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
