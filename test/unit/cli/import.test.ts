import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runImport } from "../../../src/cli/commands/import.js";
import { runValidate } from "../../../src/cli/commands/validate.js";
import { replaceTemplates } from "../../../src/cli/import-convert.js";

const fixture = (name: string) => path.resolve(import.meta.dirname, "../../fixtures", name);

async function importInto(files: string[]): Promise<{ code: number; out: string; err: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-import-"));
  let out = "";
  let err = "";
  const code = await runImport(files, { out: dir }, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err, dir };
}

async function validate(
  dir: string,
  cluster = "main",
): Promise<{ code: number; doc: { problems: { file: string; line: number; message: string }[] } }> {
  let text = "";
  const code = await runValidate(dir, { output: "json", cluster }, { out: (t) => void (text += t), cwd: dir });
  return { code, doc: JSON.parse(text) as { problems: { file: string; line: number; message: string }[] } };
}

describe("ecs-gitops import", () => {
  it.each([
    ["an aws-actions task-definition.json", ["import/aws-actions-task-definition.json"], ["invoice-api/task-definition.yaml"]],
    [
      "describe-task-definition output (response-only fields, nulls)",
      ["aws/td-console-firelens-nulls-ec2-2020.json"],
      [expect.stringMatching(/\/task-definition\.yaml$/)],
    ],
    [
      "describe-task-definition output with EFS and secrets",
      ["aws/td-console-wordpress-efs-secrets-2025.json"],
      [expect.stringMatching(/\/task-definition\.yaml$/)],
    ],
    ["describe-services output", ["aws/svc-describe-fargate-tutorial.json"], [expect.stringMatching(/\/service\.yaml$/)]],
    ["describe-services output of a daemon", ["aws/svc-describe-daemon-ec2-2020.json"], [expect.stringMatching(/\/service\.yaml$/)]],
  ])("converts %s into manifests that validate", async (_how, inputs, written) => {
    const result = await importInto(inputs.map(fixture));
    expect(result.err).not.toContain("error");
    expect(result.code).toBe(0);
    for (const file of written) expect(result.out).toEqual(expect.stringContaining(typeof file === "string" ? file : ""));
    const validated = await validate(result.dir);
    expect(validated.doc.problems).toEqual([]);
    expect(validated.code).toBe(0);
  });

  it("lists each conversion: response-only fields and nulls dropped", async () => {
    const result = await importInto([fixture("aws/td-console-firelens-nulls-ec2-2020.json")]);
    expect(result.err).toMatch(/\(describe-task-definition output\) → .*task-definition\.yaml: TaskDefinition/);
    expect(result.err).toMatch(/dropped \(response-only.*\): .*taskDefinitionArn.*revision/);
    expect(result.err).toMatch(/dropped \d+ null value\(s\)/);
  });

  it("turns ecspresso templates into variables that fail validate until defined, and names the service", async () => {
    const result = await importInto([fixture("import/ecspresso-ecs-task-def.json"), fixture("import/ecspresso-ecs-service-def.json")]);
    expect(result.code).toBe(0);
    for (const variable of ["IMAGE_TAG", "AWS_ACCOUNT_ID", "LOG_LEVEL", "DESIRED_COUNT"]) expect(result.err).toContain(`\${${variable}}`);
    const td = await readFile(path.join(result.dir, "mailer/task-definition.yaml"), "utf8");
    expect(td).toContain("# review: {{ must_env `IMAGE_TAG` }} became the variable ${IMAGE_TAG}");
    const before = await validate(result.dir);
    expect(before.code).toBe(1);
    // One error per undefined variable, each at its line, nothing else.
    expect(before.doc.problems.map((p) => p.message.slice(0, p.message.indexOf(" is not defined")))).toEqual(
      expect.arrayContaining(["${IMAGE_TAG}", "${AWS_ACCOUNT_ID}", "${LOG_LEVEL}", "${DESIRED_COUNT}"]),
    );
    expect(before.doc.problems).toHaveLength(4);

    // Defined in ecs-gitops.yaml, the same files validate (the service runs the imported task definition).
    await writeFile(
      path.join(result.dir, "ecs-gitops.yaml"),
      'vars:\n  IMAGE_TAG: 1.4.2\n  AWS_ACCOUNT_ID: "123456789012"\n  LOG_LEVEL: {fromEnv: IMPORT_TEST_LOG_LEVEL}\n  DESIRED_COUNT: 2\n',
    );
    vi.stubEnv("IMPORT_TEST_LOG_LEVEL", "info");
    const after = await validate(result.dir);
    vi.unstubAllEnvs();
    expect(after.doc.problems).toEqual([]);
    expect(await readFile(path.join(result.dir, "mailer/service.yaml"), "utf8")).toMatch(/taskDefinition: mailer/);
  });

  it("quotes a template that stands for a whole JSON value, and leaves one inside a string in place", () => {
    const { text, templates } = replaceTemplates(
      '{"a": {{ env `N` `3` }}, "b": "x-{{ must_env `TAG` }}-y", "c": "{{ tfstate `aws_lb.main.arn` }}", "d": "echo ${HOME}"}',
    );
    // A `${` that was no template (a shell variable) is escaped so that it stays literal.
    expect(JSON.parse(text)).toEqual({ a: "${N}", b: "x-${TAG}-y", c: "${TEMPLATE_1}", d: "echo $${HOME}" });
    expect(templates.map((t) => [t.variable, t.fallback])).toEqual([
      ["N", "3"],
      ["TAG", undefined],
      ["TEMPLATE_1", undefined],
    ]);
  });

  it("refuses what is not ECS JSON, writing nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-import-bad-"));
    await writeFile(path.join(dir, "x.json"), '{"hello": "world"}');
    const result = await importInto([path.join(dir, "x.json")]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/x\.json: not a RegisterTaskDefinition\/CreateService input/);
  });
});
