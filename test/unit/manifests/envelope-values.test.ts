import { describe, expect, it } from "vitest";
import { convertFile } from "../../../src/cli/import-convert.js";
import { readEnvelope } from "../../../src/manifests/envelope.js";
import { parseManifestText } from "../../../src/manifests/parse.js";

function envelopeProblems(metadata: string): { line: number; message: string; severity?: string }[] {
  const text = `apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: web\n${metadata}spec:\n  family: web\n`;
  const parsed = parseManifestText("td.yaml", text);
  expect(parsed.problems).toEqual([]);
  const doc = parsed.documents[0];
  if (!doc) throw new Error("no document");
  return readEnvelope(doc).problems;
}

describe("boolean annotations", () => {
  it.each(["True", "yes", "1", "on", "TRUE", ""])("refuses %j with its line", (value) => {
    for (const key of ["ecs-gitops/adopt", "ecs-gitops/self-heal"]) {
      const problems = envelopeProblems(`  annotations:\n    ${key}: "${value}"\n`);
      expect(problems).toHaveLength(1);
      expect(problems[0]?.line).toBe(6);
      expect(problems[0]?.message).toContain(`"${key}" must be "true" or "false"`);
    }
  });

  it.each(["true", "false"])("accepts %j", (value) => {
    expect(envelopeProblems(`  annotations:\n    ecs-gitops/adopt: "${value}"\n    ecs-gitops/self-heal: "${value}"\n`)).toEqual([]);
  });
});

describe("values quoted in messages", () => {
  it("never echoes an unquoted value under a secret-looking label key", () => {
    const problems = envelopeProblems("  labels:\n    db-password: 4455667788\n    team: 42\n");
    expect(problems.map((p) => p.message).join("\n")).not.toContain("4455667788");
    expect(problems.map((p) => p.message).join("\n")).toContain('"42"');
  });

  it("cuts a long value to about 100 characters", () => {
    const text = `apiVersion: ${"v".repeat(5000)}\nkind: TaskDefinition\nmetadata:\n  name: web\nspec: {}\n`;
    const doc = parseManifestText("td.yaml", text).documents[0];
    if (!doc) throw new Error("no document");
    const message = readEnvelope(doc).problems[0]?.message ?? "";
    expect(message).toContain("apiVersion must be");
    expect(message.length).toBeLessThan(300);
  });

  it("import does not print the default of a secret-looking template variable", () => {
    const input = JSON.stringify({
      family: "web",
      containerDefinitions: [
        {
          name: "web",
          image: "nginx",
          environment: [
            { name: "API_SECRET", value: "{{ env `API_SECRET` `hunter2default` }}" },
            { name: "REGION", value: "{{ env `REGION` `eu-west-1` }}" },
          ],
        },
      ],
    });
    const result = convertFile("task-def.json", input);
    const notes = JSON.stringify(result);
    expect(notes).not.toContain("hunter2default");
    expect(notes).toContain("eu-west-1");
  });
});

describe("ignore-differences paths", () => {
  function warnings(kind: string, paths: string): { severity?: string; message: string; line: number }[] {
    const text =
      `apiVersion: ecs-gitops/v1\nkind: ${kind}\nmetadata:\n  name: web\n  annotations:\n ` +
      `   ecs-gitops/ignore-differences: "${paths}"\nspec: {}\n`;
    const doc = parseManifestText("m.yaml", text).documents[0];
    if (!doc) throw new Error("no document");
    const { envelope, problems } = readEnvelope(doc);
    expect(envelope).toBeDefined();
    return problems;
  }

  it.each([
    [
      "Service",
      "desiredCount, /deploymentConfiguration/maximumPercent, " +
        "networkConfiguration.awsvpcConfiguration.subnets, tags/team, " +
        "loadBalancers/*/containerPort",
    ],
    ["TaskDefinition", "containerDefinitions/*/image, /containerDefinitions/0/environment/FOO, cpu"],
    ["ScheduledRule", "scheduleExpression, targets/*/taskCount, eventPattern/detail/lastStatus"],
  ])("accepts paths of the %s model", (kind, paths) => {
    expect(warnings(kind, paths)).toEqual([]);
  });

  it.each([
    ["Service", "desiredcount", 1],
    ["Service", "desiredCount, deploymentConfiguration/maximumPercnt", 1],
    ["TaskDefinition", "containerDefinitions/*/imag, spec/cpu", 2],
    ["ScheduledRule", "ScheduleExpression, targets/*/TaskCount", 2],
  ])("warns, located, about %s paths in %j that match no field", (kind, paths, count) => {
    const found = warnings(kind, paths);
    expect(found).toHaveLength(count);
    for (const p of found) {
      expect(p).toMatchObject({ severity: "warning", line: 6 });
      expect(p.message).toContain("matches no field");
    }
  });
});
