import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pacedOperations } from "../../src/aws/rate-limit.js";
import { allPlugins } from "../../src/resources/registry.js";

// The controller's task role is manifests/iam-policy.json. A call the policy does not grant is an
// AccessDenied in production that no moto test sees (moto does not enforce IAM), so this test
// derives the calls from the code itself: every SDK command class imported anywhere in src/, the
// calls the kinds declare, and the calls the rate limiter paces. A new command fails it until
// the policy grants it (docs/iam.md says why each statement is scoped as it is).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const POLICY_FILE = "manifests/iam-policy.json";

/** IAM service prefix of each SDK package the code imports; a new package must be added here. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  "@aws-sdk/client-ecs": "ecs",
  "@aws-sdk/client-eventbridge": "events",
  "@aws-sdk/client-scheduler": "scheduler",
  "@aws-sdk/client-application-auto-scaling": "application-autoscaling",
  "@aws-sdk/client-codedeploy": "codedeploy",
  "@aws-sdk/client-resource-groups-tagging-api": "tag",
  "@aws-sdk/client-ssm": "ssm",
  "@aws-sdk/client-cloudwatch-logs": "logs",
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/lib-dynamodb": "dynamodb",
};

/** lib-dynamodb's document commands and the DynamoDB action each one sends. */
const DOCUMENT_COMMANDS: Readonly<Record<string, string>> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  Scan: "Scan",
  Query: "Query",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

/** The SDK waiters the code imports and the action they poll with. */
const WAITERS: Readonly<Record<string, string>> = { waitUntilTableExists: "dynamodb:DescribeTable" };

/**
 * Calls only an operator's own command makes, from a workstation with their own credentials:
 * the controller never sends them, so its task role does not get them. `symbol` is what the
 * command imports; the test checks that only src/cli/commands uses it.
 */
const OPERATOR_ONLY = [
  { action: "dynamodb:CreateTable", symbol: "createLeaseTable", why: "`ecs-gitops lease-table create`, once per install" },
  { action: "dynamodb:DescribeTable", symbol: "createLeaseTable", why: "`lease-table create` waits for the table" },
  { action: "logs:GetLogEvents", symbol: "readLogStream", why: "`ecs-gitops run-task` prints the task's log" },
];

/**
 * Permissions AWS checks on top of a call (no SDK command of ours has the name): passing a role,
 * the auto-scaling service-linked role, SecureString decryption, CodeDeploy's inline revision.
 */
const IMPLIED = new Set([
  "iam:PassRole",
  "iam:CreateServiceLinkedRole",
  "kms:Decrypt",
  "codedeploy:RegisterApplicationRevision",
  "codedeploy:GetApplicationRevision",
  "codedeploy:GetDeploymentConfig",
]);

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown };

const trackedFiles = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter(Boolean);
const srcFiles = trackedFiles.filter((f) => f.startsWith("src/") && f.endsWith(".ts"));
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** `service:Action` for each value import of an SDK package in `text` (static imports and `await import(…)`). */
export function sdkCallsIn(text: string, where: string): { calls: string[]; problems: string[] } {
  const calls: string[] = [];
  const problems: string[] = [];
  const imports = [
    ...[...text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => ({
      typeOnly: m[1],
      names: m[2],
      pkg: m[3],
    })),
    ...[...text.matchAll(/const\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*"(@aws-sdk\/[^"]+)"\s*\)/g)].map((m) => ({
      typeOnly: undefined,
      names: m[1],
      pkg: m[2],
    })),
  ];
  // `import * as`, a default import or a re-export would hide its commands from the scan: name it.
  const references = [...text.matchAll(/(?:from\s*|import\(\s*)"@aws-sdk\/[^"]+"/g)].length;
  if (references !== imports.length) problems.push(`${where}: imports the AWS SDK in a form this scan does not read; use import { … }`);
  for (const { typeOnly, names = "", pkg = "" } of imports) {
    if (typeOnly !== undefined) continue;
    const prefix = IAM_PREFIX[pkg];
    for (const spec of names.split(",").map((s) => s.trim())) {
      const name = /^(?:type\s+)?(\w+)/.exec(spec)?.[1];
      if (name === undefined || spec.startsWith("type ")) continue;
      const command = /^(\w+)Command$/.exec(name)?.[1];
      const waiter = WAITERS[name];
      const unknownWaiter = name.startsWith("waitUntil") && waiter === undefined;
      if (command === undefined && waiter === undefined && !unknownWaiter && !name.startsWith("paginate")) continue;
      if (prefix === undefined) problems.push(`${where}: imports ${name} from ${pkg}: add its IAM prefix to IAM_PREFIX`);
      else if (unknownWaiter) problems.push(`${where}: imports waiter ${name}: add the action it polls with to WAITERS`);
      else if (waiter !== undefined) calls.push(waiter);
      else if (name.startsWith("paginate")) calls.push(`${prefix}:${name.slice("paginate".length)}`);
      else if (pkg === "@aws-sdk/lib-dynamodb") {
        const action = DOCUMENT_COMMANDS[command ?? ""];
        if (action === undefined) problems.push(`${where}: imports ${name}: add its DynamoDB action to DOCUMENT_COMMANDS`);
        else calls.push(`dynamodb:${action}`);
      } else calls.push(`${prefix}:${command}`);
    }
  }
  return { calls, problems };
}

function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return regex.test(value);
}

const policy = JSON.parse(read(POLICY_FILE)) as { Statement: Statement[] };
const allows = policy.Statement.filter((s) => s.Effect === "Allow");
const granted = (action: string): boolean => allows.some((s) => list(s.Action).some((pattern) => wildcardMatch(pattern, action)));

/**
 * Files that send commands by name (`import * as`): what they send is what the kinds declare in
 * `writes`, which the required list below takes from the registry.
 */
const SENDS_DECLARED_WRITES = new Set(["src/aws/sdk-command.ts"]);

const scanned = srcFiles.filter((file) => !SENDS_DECLARED_WRITES.has(file)).map((file) => sdkCallsIn(read(file), file));
const sdkCalls = scanned.flatMap((s) => s.calls);
const pluginCalls = allPlugins().flatMap((plugin) => [
  ...plugin.calls.map((call) => `${call.service}:${call.operation}`),
  ...Object.keys(plugin.writes),
]);
const operatorOnly = new Set(OPERATOR_ONLY.map((entry) => entry.action));
const required = [...new Set([...sdkCalls, ...pluginCalls, ...pacedOperations()])].filter((a) => !operatorOnly.has(a)).sort();

describe(`${POLICY_FILE} (the controller's task role)`, () => {
  it("finds the SDK calls the code makes (the scan works)", () => {
    expect(scanned.flatMap((s) => s.problems)).toEqual([]);
    for (const call of ["ecs:RunTask", "codedeploy:CreateDeployment", "tag:GetResources"]) expect(sdkCalls).toContain(call);
    // The kinds' writes are sent by name (src/aws/sdk-command.ts): the registry's declarations carry them.
    for (const call of ["ecs:UpdateService", "ecs:DeleteService", "scheduler:CreateSchedule"]) expect(required).toContain(call);
    expect(sdkCalls).toEqual(expect.arrayContaining(["ssm:GetParameters", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Scan"]));
  });

  it("grants every AWS action the controller can call", () => {
    const missing = required.filter((action) => !granted(action));
    expect(missing, `add statements to ${POLICY_FILE} (and a line to docs/iam.md) for: ${missing.join(", ")}`).toEqual([]);
  });

  it("grants nothing the code does not call or AWS does not check on top of a call", () => {
    const needed = new Set([...required, ...IMPLIED]);
    const extra = allows.flatMap((s) => list(s.Action)).filter((action) => !needed.has(action));
    expect(extra, "no wildcard actions and no grants for calls the code never makes").toEqual([]);
  });

  it("gives `Resource: *` only where AWS has no resource-level permission or a condition narrows it", () => {
    const loose = allows.filter((s) => list(s.Resource).includes("*") && s.Condition === undefined);
    expect(loose.map((s) => s.Sid).filter((sid) => !/NoResourceLevelSupport$|^ListTaggedRules/.test(sid ?? ""))).toEqual([]);
  });

  it("passes every role the shipped manifests and examples name, each only to the service that uses it", () => {
    const passRoles = allows.filter((s) => list(s.Action).includes("iam:PassRole"));
    expect(passRoles.every((s) => JSON.stringify(s.Condition ?? {}).includes("iam:PassedToService"))).toBe(true);
    const yaml = trackedFiles.filter((f) => /^(manifests|examples)\/.*\.ya?ml$/.test(f));
    const roles = [...new Set(yaml.flatMap((f) => [...read(f).matchAll(/arn:aws:iam::\d+:role\/[\w+=,.@/-]+/g)].map((m) => m[0])))];
    expect(roles.length).toBeGreaterThan(3);
    expect(roles.filter((role) => !passRoles.some((s) => list(s.Resource).includes(role)))).toEqual([]);
  });

  it("explains every statement in docs/iam.md", () => {
    const doc = read("docs/iam.md");
    expect(allows.map((s) => s.Sid ?? "(no Sid)").filter((sid) => !doc.includes(`\`${sid}\``))).toEqual([]);
  });

  it.each(OPERATOR_ONLY)("leaves $action to the operator ($why): only a CLI command uses it", ({ symbol }) => {
    const users = srcFiles.filter((f) => !f.startsWith("src/aws/") && new RegExp(`\\b${symbol}\\b`).test(read(f)));
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((f) => !f.startsWith("src/cli/commands/"))).toEqual([]);
  });
});

describe("the SDK import scan", () => {
  it("reads value imports, document commands, waiters and dynamic imports; skips types", () => {
    const text = [
      'import { A as B, RunTaskCommand, type StopTaskCommand } from "@aws-sdk/client-ecs";',
      'import type { PutRuleCommand } from "@aws-sdk/client-eventbridge";',
      'import { GetCommand } from "@aws-sdk/lib-dynamodb";',
      'import { waitUntilTableExists } from "@aws-sdk/client-dynamodb";',
      'const { GetResourcesCommand } = await import("@aws-sdk/client-resource-groups-tagging-api");',
    ].join("\n");
    expect(sdkCallsIn(text, "x.ts")).toEqual({
      calls: ["ecs:RunTask", "dynamodb:GetItem", "dynamodb:DescribeTable", "tag:GetResources"],
      problems: [],
    });
  });

  it("names an import it cannot read instead of skipping it", () => {
    expect(sdkCallsIn('import * as ecs from "@aws-sdk/client-ecs";', "x.ts").problems).toEqual([
      "x.ts: imports the AWS SDK in a form this scan does not read; use import { … }",
    ]);
  });

  it("names a package or waiter it cannot map instead of skipping it", () => {
    const text = 'import { PublishCommand } from "@aws-sdk/client-sns";\nimport { waitUntilX } from "@aws-sdk/client-ecs";';
    expect(sdkCallsIn(text, "x.ts").problems).toEqual([
      "x.ts: imports PublishCommand from @aws-sdk/client-sns: add its IAM prefix to IAM_PREFIX",
      "x.ts: imports waiter waitUntilX: add the action it polls with to WAITERS",
    ]);
  });
});
