import { MOTO_REGION } from "./moto.js";
import type { DefaultNetwork } from "./moto.js";

/**
 * A repository with a Fargate service, its scalable target (one target-tracking policy) and two
 * schedules of another family: a cron in Asia/Tokyo with a flexible window, and a one-time at().
 */
export function repoFiles(accountId: string, network: DefaultNetwork): Record<string, string> {
  const vpc = `
      awsvpcConfiguration:
        subnets: [${network.subnets[0]}]
        securityGroups: [${network.securityGroups[0]}]`;
  const taskDefinition = (name: string) => `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata: {name: ${name}}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - {name: ${name}, image: "public.ecr.aws/nginx/nginx:1.27", essential: true}
`;
  const ecsTarget = (family: string) => `  target:
    arn: arn:aws:ecs:${MOTO_REGION}:${accountId}:cluster/shop
    roleArn: arn:aws:iam::${accountId}:role/scheduler-runs-tasks
    ecsParameters:
      taskDefinitionArn: ${family}
      launchType: FARGATE
      networkConfiguration:${vpc.replaceAll("\n      ", "\n        ")}`;
  return {
    "web/task-definition.yaml": taskDefinition("web"),
    "report/task-definition.yaml": taskDefinition("report"),
    "web/service.yaml": `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web}
spec:
  cluster: shop
  taskDefinition: web
  desiredCount: 2
  launchType: FARGATE
  networkConfiguration:${vpc}
`,
    "web/scaling.yaml": `apiVersion: ecs-gitops/v1
kind: ScalableTarget
metadata: {name: web-scaling}
spec:
  serviceNamespace: ecs
  resourceId: service/shop/web
  scalableDimension: ecs:service:DesiredCount
  minCapacity: 2
  maxCapacity: 8
  policies:
    - policyName: cpu-60
      policyType: TargetTrackingScaling
      targetTrackingScalingPolicyConfiguration:
        targetValue: 60
        predefinedMetricSpecification: {predefinedMetricType: ECSServiceAverageCPUUtilization}
        scaleInCooldown: 120
`,
    "report/nightly.yaml": `apiVersion: ecs-gitops/v1
kind: Schedule
metadata: {name: nightly-report}
spec:
  description: builds the sales report
  scheduleExpression: cron(30 2 * * ? *)
  scheduleExpressionTimezone: Asia/Tokyo
  flexibleTimeWindow: {mode: FLEXIBLE, maximumWindowInMinutes: 20}
${ecsTarget("report")}
    input:
      containerOverrides:
        - {name: report, command: [report, --day, yesterday]}
`,
    "report/once.yaml": `apiVersion: ecs-gitops/v1
kind: Schedule
metadata: {name: backfill-once}
spec:
  scheduleExpression: at(2031-04-01T06:00:00)
${ecsTarget("report")}
`,
  };
}
