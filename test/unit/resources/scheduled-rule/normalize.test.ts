import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import {
  normalizeDesiredRule,
  normalizeLiveRule,
  normalizeOverrides,
  partitionOf,
} from "../../../../src/resources/scheduled-rule/normalize.js";
import type { DesiredRuleOptions, LiveScheduledRule } from "../../../../src/resources/scheduled-rule/normalize.js";
import { merge } from "../builders.js";
import type { Overrides } from "../builders.js";

const fixture = (name: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8")) as JsonObject;

const options = (overrides: Partial<DesiredRuleOptions> = {}): DesiredRuleOptions => ({
  ruleName: "nightly-report",
  region: "us-east-1",
  accountId: "123456789012",
  defaultCluster: undefined,
  taskDefinition: (ref) => (ref === "report" ? "report:5" : ref),
  ...overrides,
});

function liveOf(rule: JsonObject, targets: JsonObject[]): LiveScheduledRule {
  return { rule, targets, tags: [] };
}

function diff(spec: JsonObject, live: LiveScheduledRule, opts: DesiredRuleOptions = options()) {
  return diffValues(normalizeDesiredRule(spec, opts).rule, normalizeLiveRule(live));
}

const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/batch";
const ROLE = "arn:aws:iam::123456789012:role/ecsEventsRole";
const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/report:5";

function liveTarget(ecs: Overrides = {}, extra: Overrides = {}): JsonObject {
  const parameters = merge({ TaskDefinitionArn: TD, TaskCount: 1, EnableECSManagedTags: false, EnableExecuteCommand: false }, ecs);
  return merge({ Id: "report", Arn: CLUSTER, RoleArn: ROLE, EcsParameters: parameters }, extra);
}

function target(fields: Overrides = {}): JsonObject {
  return merge({ id: "report", cluster: "batch", roleArn: "ecsEventsRole", taskDefinition: "report" }, fields);
}

const rule = (fields: Overrides = {}): JsonObject =>
  merge(
    {
      Name: "nightly-report",
      Arn: "arn:aws:events:us-east-1:123456789012:rule/nightly-report",
      ScheduleExpression: "rate(1 day)",
      State: "ENABLED",
      EventBusName: "default",
    },
    fields,
  );

describe("scheduled rule round trip", () => {
  it("the manifest a user writes equals the real-shaped DescribeRule + ListTargetsByRule answer", () => {
    const live: LiveScheduledRule = {
      rule: fixture("rule-reconstructed-describe-rule.json"),
      targets: fixture("rule-reconstructed-list-targets-ecs.json")["Targets"] as JsonObject[],
      tags: fixture("rule-reconstructed-list-tags.json")["Tags"] as JsonValue[],
    };
    const spec: JsonObject = {
      scheduleExpression: "cron(0 2 * * ? *)",
      description: "Nightly sales report",
      targets: [
        {
          id: "report",
          cluster: "batch",
          taskDefinition: "report",
          roleArn: "ecsEventsRole",
          launchType: "FARGATE",
          platformVersion: "LATEST",
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: ["subnet-0db5010045995c2d5", "subnet-0d0eab1bb38d5ca64"],
              securityGroups: ["sg-02556bf85a191f59a"],
            },
          },
          overrides: {
            containerOverrides: [
              {
                name: "report",
                command: ["bundle", "exec", "rake", "report:nightly"],
                environment: [
                  { name: "DRY_RUN", value: "false" },
                  { name: "REPORT_KIND", value: "sales" },
                ],
              },
            ],
          },
          retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 },
        },
      ],
    };
    expect(diff(spec, live)).toEqual([]);
  });
});

describe("scheduled rule normalization rules", () => {
  const same: [string, JsonObject, LiveScheduledRule, Partial<DesiredRuleOptions>?][] = [
    ['EB-1 state unset ≡ ENABLED, Description nil ≡ ""', { scheduleExpression: "rate(1 day)", description: "" }, liveOf(rule(), [])],
    [
      "EB-1 EventPattern compared parsed, not as text",
      { eventPattern: { source: ["aws.ecs"], "detail-type": ["ECS Task State Change"] } },
      liveOf(
        rule({ ScheduleExpression: undefined, EventPattern: '{"detail-type":["ECS Task State Change"],  "source": ["aws.ecs"]}' }),
        [],
      ),
    ],
    [
      "EB-1 EventPattern written as a string",
      { eventPattern: '{"source":["aws.ecs"]}' },
      liveOf(rule({ ScheduleExpression: undefined, EventPattern: '{ "source" : [ "aws.ecs" ] }' }), []),
    ],
    ["EB-2 target Arn from a cluster name", { scheduleExpression: "rate(1 day)", targets: [target()] }, liveOf(rule(), [liveTarget()])],
    [
      "EB-2 target Arn from a cluster ARN",
      { scheduleExpression: "rate(1 day)", targets: [target({ cluster: CLUSTER })] },
      liveOf(rule(), [liveTarget()]),
    ],
    [
      "EB-2 default cluster from the controller setting",
      { scheduleExpression: "rate(1 day)", targets: [target({ cluster: undefined })] },
      liveOf(rule(), [liveTarget()]),
      { defaultCluster: "batch" },
    ],
    [
      "EB-2 the AWS default cluster otherwise",
      { scheduleExpression: "rate(1 day)", targets: [target({ cluster: undefined })] },
      liveOf(rule(), [liveTarget({}, { Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/default" })]),
    ],
    [
      "EB-2 target id defaults to the rule name",
      { scheduleExpression: "rate(1 day)", targets: [target({ id: undefined })] },
      liveOf(rule(), [liveTarget({}, { Id: "nightly-report" })]),
    ],
    [
      "EB-3 role ARN ↔ name, also with a path",
      { scheduleExpression: "rate(1 day)", targets: [target({ roleArn: "/service-role/events" })] },
      liveOf(rule(), [liveTarget({}, { RoleArn: "arn:aws:iam::123456789012:role/service-role/events" })]),
    ],
    [
      "EB-3 a target without a role uses the rule's",
      { scheduleExpression: "rate(1 day)", roleArn: "ecsEventsRole", targets: [target({ roleArn: undefined })] },
      liveOf(rule({ RoleArn: ROLE }), [liveTarget()]),
    ],
    [
      "EB-3 dead-letter queue name ↔ ARN",
      { scheduleExpression: "rate(1 day)", targets: [target({ deadLetterConfig: { arn: "report-dlq" } })] },
      liveOf(rule(), [liveTarget({}, { DeadLetterConfig: { Arn: "arn:aws:sqs:us-east-1:123456789012:report-dlq" } })]),
    ],
    [
      "EB-3 task definition ARN ↔ resolved reference",
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      liveOf(rule(), [liveTarget({ TaskDefinitionArn: TD })]),
    ],
    [
      "EB-4 TaskCount unset ≡ 1",
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      liveOf(rule(), [liveTarget({ TaskCount: undefined })]),
    ],
    [
      'EB-4 "" ≡ unset for PropagateTags, LaunchType, PlatformVersion',
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      liveOf(rule(), [liveTarget({ PropagateTags: "", LaunchType: "", PlatformVersion: "", Group: "" })]),
    ],
    [
      "EB-4 booleans unset ≡ false",
      { scheduleExpression: "rate(1 day)", targets: [target({ enableExecuteCommand: false })] },
      liveOf(rule(), [liveTarget({ EnableECSManagedTags: undefined, EnableExecuteCommand: undefined })]),
    ],
    [
      "assignPublicIp unset ≡ DISABLED, subnets and groups are sets",
      {
        scheduleExpression: "rate(1 day)",
        targets: [target({ networkConfiguration: { awsvpcConfiguration: { subnets: ["a", "b"], securityGroups: ["y", "x"] } } })],
      },
      liveOf(rule(), [
        liveTarget({
          NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["b", "a"], SecurityGroups: ["x", "y"], AssignPublicIp: "DISABLED" } },
        }),
      ]),
    ],
    [
      "capacity provider base/weight default to 0",
      { scheduleExpression: "rate(1 day)", targets: [target({ capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] })] },
      liveOf(rule(), [liveTarget({ CapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }] })]),
    ],
    [
      "placement: constraints are a set, strategy field case-insensitive and host ≡ instanceId",
      {
        scheduleExpression: "rate(1 day)",
        targets: [
          target({
            placementConstraints: [{ type: "distinctInstance" }, { type: "memberOf", expression: "x" }],
            placementStrategy: [
              { type: "spread", field: "host" },
              { type: "binpack", field: "CPU" },
            ],
          }),
        ],
      },
      liveOf(rule(), [
        liveTarget({
          PlacementConstraints: [{ type: "memberOf", expression: "x" }, { type: "distinctInstance" }],
          PlacementStrategy: [
            { type: "spread", field: "instanceId" },
            { type: "binpack", field: "cpu" },
          ],
        }),
      ]),
    ],
    [
      "EB-5 environment files and resource requirements are sets",
      {
        scheduleExpression: "rate(1 day)",
        targets: [
          target({
            overrides: {
              containerOverrides: [
                {
                  name: "app",
                  environmentFiles: [
                    { type: "s3", value: "a" },
                    { type: "s3", value: "b" },
                  ],
                  resourceRequirements: [
                    { type: "GPU", value: "1" },
                    { type: "InferenceAccelerator", value: "x" },
                  ],
                },
              ],
            },
          }),
        ],
      },
      liveOf(rule(), [
        liveTarget(
          {},
          {
            Input:
              '{"containerOverrides":[{"name":"app","environmentFiles":[{"type":"s3","value":"b"},{"type":"s3","value":"a"}],' +
              '"resourceRequirements":[{"type":"InferenceAccelerator","value":"x"},{"type":"GPU","value":"1"}]}]}',
          },
        ),
      ]),
    ],
    [
      "EB-5 Input parsed; environment is a name→value set",
      {
        scheduleExpression: "rate(1 day)",
        targets: [
          target({
            overrides: {
              containerOverrides: [
                {
                  name: "app",
                  environment: [
                    { name: "A", value: "1" },
                    { name: "B", value: "2" },
                  ],
                },
              ],
            },
          }),
        ],
      },
      liveOf(rule(), [
        liveTarget(
          {},
          { Input: '{"containerOverrides": [{"environment": [{"value": "2", "name": "B"}, {"name": "A", "value": "1"}], "name": "app"}]}' },
        ),
      ]),
    ],
    [
      "EB-5 an empty taskOverride ≡ no Input",
      { scheduleExpression: "rate(1 day)", targets: [target({ overrides: { containerOverrides: [] } })] },
      liveOf(rule(), [liveTarget({}, { Input: '{"containerOverrides":[{"name":"app"}]}' })]),
    ],
    [
      "EB-5 task cpu/memory written as numbers",
      { scheduleExpression: "rate(1 day)", targets: [target({ overrides: { cpu: 512, memory: 1024 } })] },
      liveOf(rule(), [liveTarget({}, { Input: '{"cpu":"512","memory":"1024"}' })]),
    ],
  ];
  it.each(same)("%s", (_rule, spec, live, opts) => {
    expect(diff(spec, live, options(opts ?? {}))).toEqual([]);
  });

  const differs: [string, JsonObject, LiveScheduledRule, string][] = [
    ["state", { scheduleExpression: "rate(1 day)", state: "DISABLED" }, liveOf(rule(), []), "/state"],
    ["schedule compared literally", { scheduleExpression: "rate(24 hours)" }, liveOf(rule(), []), "/scheduleExpression"],
    [
      "EB-6 family-only vs family:rev",
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      liveOf(rule(), [liveTarget({ TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/report" })]),
      "/targets/report/taskDefinition",
    ],
    [
      "command order",
      {
        scheduleExpression: "rate(1 day)",
        targets: [target({ overrides: { containerOverrides: [{ name: "app", command: ["a", "b"] }] } })],
      },
      liveOf(rule(), [liveTarget({}, { Input: '{"containerOverrides":[{"name":"app","command":["b","a"]}]}' })]),
      "/targets/report/overrides/containerOverrides/0/command/0",
    ],
    [
      "a non-JSON Input",
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      liveOf(rule(), [liveTarget({}, { Input: "hello" })]),
      "/targets/report/input",
    ],
    [
      "a foreign target",
      { scheduleExpression: "rate(1 day)" },
      liveOf(rule(), [{ Id: "lambda", Arn: "arn:aws:lambda:us-east-1:123456789012:function:f" }]),
      "/targets/lambda",
    ],
  ];
  it.each(differs)("reports %s", (_what, spec, live, path) => {
    expect(diff(spec, live).map((c) => c.path)).toContain(path);
  });

  it("reports what it cannot expand without the account id, and needs nothing for full ARNs", () => {
    const names = normalizeDesiredRule(
      { scheduleExpression: "rate(1 day)", targets: [target({ deadLetterConfig: { arn: "dlq" } })] },
      options({ accountId: undefined }),
    );
    expect(names.unexpandable).toEqual(['cluster "batch"', 'role "ecsEventsRole"', 'dead-letter queue "dlq"']);
    const arns = normalizeDesiredRule(
      { scheduleExpression: "rate(1 day)", targets: [target({ cluster: CLUSTER, roleArn: ROLE })] },
      options({ accountId: undefined }),
    );
    expect(arns.unexpandable).toEqual([]);
  });

  it("expands ARNs in the region's partition", () => {
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    const { rule: cn } = normalizeDesiredRule(
      { scheduleExpression: "rate(1 day)", targets: [target()] },
      options({ region: "cn-north-1" }),
    );
    expect(cn["targets"]).toMatchObject({
      report: { arn: "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/batch", roleArn: "arn:aws-cn:iam::123456789012:role/ecsEventsRole" },
    });
  });

  it("normalizes overrides: containers by name, command order kept, no-op overrides dropped", () => {
    expect(
      normalizeOverrides({
        containerOverrides: [
          { name: "b", command: ["z", "a"] },
          { name: "a", environment: [] },
        ],
      }),
    ).toEqual({ containerOverrides: [{ name: "b", command: ["z", "a"] }] });
    expect(normalizeOverrides({})).toBeUndefined();
    expect(normalizeOverrides("x")).toBeUndefined();
  });
});
