import { describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import type { Problem } from "../../../src/manifests/types.js";
import { hooksOf } from "../../../src/resources/service/hooks.js";
import { validateManifests } from "../../../src/resources/validate.js";

const TASK_DEFINITION = `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata:
  name: shop
spec:
  containerDefinitions:
    - name: api
      image: shop:2
      memory: 256
    - name: sidecar
      image: envoy:1
      memory: 64
      essential: false
`;

/** A Service on family "shop" with `hooks` (YAML, indented two spaces) appended. */
function service(hooks: string): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: shop
spec:
  cluster: main
  taskDefinition: shop
  desiredCount: 1
  launchType: EC2
hooks:
${hooks}`;
}

function problemsOf(serviceText: string, extra: Record<string, string> = {}): Problem[] {
  const files = { "td.yaml": TASK_DEFINITION, "svc.yaml": serviceText, ...extra };
  const loaded = loadManifestFiles(Object.entries(files).map(([file, text]) => ({ file, bytes: new TextEncoder().encode(text) })));
  return [...loaded.problems, ...validateManifests(loaded.manifests)].filter((p) => p.severity === "error");
}

const located = (problems: Problem[]) => problems.map((p) => ({ file: p.file, line: p.line, rule: p.rule, message: p.message }));

describe("hook declarations", () => {
  it("accept a migration and a smoke test on the service's own family", () => {
    const text = service(`  preDeploy:
    - name: db-migrate
      overrides:
        containerOverrides:
          - name: api
            command: [bin/migrate, --all]
            environment: [{ name: PHASE, value: "pre" }]
            memory: 512
      timeout: 15m
  postDeploy:
    - name: smoke
      container: api
      blocking: true
`);
    expect(problemsOf(text)).toEqual([]);
    const loaded = loadManifestFiles([{ file: "svc.yaml", bytes: new TextEncoder().encode(text) }]);
    expect(hooksOf(loaded.manifests[0]!).map((h) => [h.phase, h.name, h.blocking, h.timeout])).toEqual([
      ["preDeploy", "db-migrate", true, "15m"],
      ["postDeploy", "smoke", true, "30m"],
    ]);
  });

  it("locate an unknown container, an override of a missing container and a zero timeout", () => {
    const text = service(`  preDeploy:
    - name: db-migrate
      container: worker
      overrides:
        containerOverrides:
          - name: apii
            command: [migrate]
      timeout: 0s
    - name: seed
      timeout: 0
`);
    expect(located(problemsOf(text))).toEqual([
      expect.objectContaining({
        file: "svc.yaml",
        line: 13,
        rule: "hook-container",
        message: expect.stringContaining('unknown container "worker"'),
      }),
      expect.objectContaining({
        line: 16,
        rule: "hook-overrides",
        message: expect.stringMatching(/override of container "apii".*did you mean "api"/),
      }),
      expect.objectContaining({ line: 18, rule: "hook-timeout", message: expect.stringContaining("not a positive duration") }),
      expect.objectContaining({ line: 20, rule: "hook-timeout", message: expect.stringContaining("got 0") }),
    ]);
  });

  it("refuse a hook on a family outside the repo, pinned or undefined", () => {
    const text = service(`  preDeploy:
    - name: migrate
      taskDefinition: billing:4
    - name: seed
      taskDefinition: billing
`);
    expect(located(problemsOf(text))).toEqual([
      expect.objectContaining({
        line: 13,
        rule: "hook-task-definition",
        message: expect.stringContaining('"billing:4" is outside this repo'),
      }),
      expect.objectContaining({
        line: 15,
        rule: "hook-task-definition",
        message: expect.stringContaining('"billing" is outside this repo'),
      }),
    ]);
  });

  it("check overrides against the hook's own family, not the service's", () => {
    const migrate = TASK_DEFINITION.replace("name: shop", "name: shop-migrate").replace("name: api", "name: migrator");
    const text = service(`  preDeploy:
    - name: migrate
      taskDefinition: shop-migrate
      overrides:
        containerOverrides:
          - name: api
`);
    expect(located(problemsOf(text, { "migrate.yaml": migrate }))).toEqual([
      expect.objectContaining({ line: 16, message: expect.stringContaining('"shop-migrate" (migrate.yaml) does not have') }),
    ]);
  });

  it("refuse unknown phases and fields, duplicate names, and hooks on another kind", () => {
    const text = service(`  preDeplay:
    - name: x
  postDeploy:
    - name: smoke
      comand: [x]
    - name: smoke
`);
    const rules = located(problemsOf(text)).map((p) => [p.line, p.rule]);
    expect(rules).toEqual([
      [11, "hook-phase"],
      [15, "hook-field"],
      [16, "hook-name"],
    ]);
    const onTaskDefinition = `${TASK_DEFINITION}hooks:\n  preDeploy: []\n`;
    const problems = loadManifestFiles([{ file: "td.yaml", bytes: new TextEncoder().encode(onTaskDefinition) }]).problems;
    expect(problems).toEqual([
      expect.objectContaining({ line: 14, code: "UnknownField", message: expect.stringContaining("a TaskDefinition cannot") }),
    ]);
  });
});
