import { describe, expect, it } from "vitest";
import { hasChanges, renderPlan, summarize, toPlanDocument } from "../../../src/plan/render.js";
import type { Action } from "../../../src/resources/types.js";

const actions: Action[] = [
  {
    type: "create",
    key: "TaskDefinition/web",
    kind: "TaskDefinition",
    changes: [],
    calls: [
      {
        operation: "ecs:RegisterTaskDefinition",
        input: { family: "web", containerDefinitions: [{ name: "web", environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }] },
      },
    ],
  },
  {
    type: "update",
    key: "Service/shop/web",
    kind: "Service",
    changes: [{ path: "/desiredCount", desired: 3, live: 2 }],
    calls: [{ operation: "ecs:UpdateService", input: { cluster: "shop", service: "web", desiredCount: 3 } }],
  },
  {
    type: "blocked",
    key: "Service/shop/api",
    kind: "Service",
    changes: [{ path: "/launchType", desired: "FARGATE", live: "EC2" }],
    code: "ImmutableField",
    reason: "launchType cannot change in place",
    hint: "replace the service",
  },
  { type: "noop", key: "ScheduledRule/default/nightly", kind: "ScheduledRule", changes: [], calls: [] },
];

describe("renderPlan", () => {
  it("prints a header per changed resource, the changes and the summary line, without colour off a TTY", () => {
    const text = renderPlan(actions, { color: false });
    expect(text).toContain("+ TaskDefinition web  (create)");
    expect(text).toContain("~ Service shop/web  (update)");
    expect(text).toContain("    desiredCount: 2 → 3");
    expect(text).toContain("! Service shop/api  (blocked)");
    expect(text).not.toContain("nightly");
    expect(text).not.toContain("\u001b[");
    expect(text.trimEnd().split("\n").at(-1)).toBe("Plan: 1 to create, 1 to change, 0 to delete, 1 blocked, 1 unchanged.");
  });

  it("shows large values as a line diff", () => {
    const big = (image: string) => ({ name: "web", image, cpu: 256, memory: 512, essential: true, command: ["serve", "--port", "8080"] });
    const text = renderPlan(
      [
        {
          type: "update",
          key: "TaskDefinition/web",
          kind: "TaskDefinition",
          changes: [{ path: "/containerDefinitions/0", desired: big("nginx:1.27"), live: big("nginx:1.26") }],
          calls: [],
        },
      ],
      { color: false },
    );
    expect(text).toContain("    containerDefinitions[0]:\n");
    expect(text).toContain("      - image: nginx:1.26");
    expect(text).toContain("      + image: nginx:1.27");
    expect(text).not.toMatch(/[{}]/);
  });
});

describe("renderPlan as YAML", () => {
  const env = (vars: [string, string][]) => ({
    name: "web",
    image: "nginx:1",
    cpu: 256,
    memory: 512,
    essential: true,
    command: ["serve", "--port", "8080"],
    environment: vars.map(([name, value]) => ({ name, value })),
  });

  it("shows a resource to create as the fields the user wrote, in YAML", () => {
    const create: Action = {
      type: "create",
      key: "TaskDefinition/web",
      kind: "TaskDefinition",
      changes: [
        { path: "/containerDefinitions", desired: [env([["PORT", "8080"]])], live: undefined },
        { path: "/cpu", desired: "0.5 vCPU", live: undefined },
      ],
      calls: [],
    };
    const text = renderPlan([create], { color: false });
    expect(text).toContain('    + cpu: "0.5 vCPU"\n');
    expect(text).toContain("    + containerDefinitions:\n        - name: web\n          image: nginx:1\n");
    expect(text).toContain('              value: "8080"');
    expect(text).not.toContain("(unset)");
  });

  it("shows a changed block with a few lines of context, never a JSON fragment", () => {
    const many: [string, string][] = Array.from({ length: 12 }, (_, i) => [`VAR_${String(i).padStart(2, "0")}`, `v${i}`]);
    const changed = many.map(([n, v]): [string, string] => (n === "VAR_06" ? [n, "changed"] : [n, v]));
    const text = renderPlan(
      [
        {
          type: "update",
          key: "TaskDefinition/web",
          kind: "TaskDefinition",
          changes: [{ path: "/containerDefinitions/0", desired: env(changed), live: env(many) }],
          calls: [],
        },
      ],
      { color: false },
    );
    expect(text).toContain("      -     value: v6");
    expect(text).toContain("      +     value: changed");
    expect(text).toMatch(/… \d+ unchanged lines/);
    expect(text).not.toContain("VAR_00");
    expect(text).not.toMatch(/[{}]/);
  });

  it("names list items by identity and keeps tag keys readable", () => {
    const update: Action = {
      type: "update",
      key: "Service/shop/web",
      kind: "Service",
      changes: [
        { path: "/tags/team", desired: "shop", live: "search" },
        {
          path: "/containerDefinitions/0/environment/1",
          field: "containerDefinitions[web].environment[LOG_LEVEL]",
          desired: { name: "LOG_LEVEL", value: "debug" },
          live: undefined,
        },
      ],
      calls: [],
    };
    const text = renderPlan([update], { color: false });
    expect(text).toContain('    tags[team]: "search" → "shop"');
    expect(text).toContain("    containerDefinitions[web].environment[LOG_LEVEL]: (unset) → { name: LOG_LEVEL, value: debug }");
    const doc = toPlanDocument([update], "abc");
    expect(doc.actions[0]?.changes.map((c) => c.field)).toEqual(["tags[team]", "containerDefinitions[web].environment[LOG_LEVEL]"]);
  });
});

describe("toPlanDocument", () => {
  it("shows tag keys, masking only the values of tags whose name looks secret", () => {
    const tags = [
      { key: "team", value: "shop" },
      { key: "api-token", value: "t0k3n" },
      { key: "ecs-gitops:owner", value: "ecs-gitops" },
    ];
    const doc = toPlanDocument(
      [
        {
          type: "create",
          key: "Service/shop/web",
          kind: "Service",
          changes: [],
          calls: [{ operation: "ecs:CreateService", input: { serviceName: "web", tags } }],
        },
      ],
      "abc",
    );
    expect(doc.actions[0]?.calls[0]?.input).toEqual({
      serviceName: "web",
      tags: [
        { key: "team", value: "shop" },
        { key: "api-token", value: "(masked)" },
        { key: "ecs-gitops:owner", value: "ecs-gitops" },
      ],
    });
  });

  it("masks secret values in call inputs and keeps blocked reasons", () => {
    const doc = toPlanDocument(actions, "abc123");
    expect(JSON.stringify(doc)).not.toContain("hunter2");
    expect(doc.summary).toEqual({ create: 1, update: 1, delete: 0, noop: 1, blocked: 1 });
    expect(doc.actions[2]).toMatchObject({
      type: "blocked",
      code: "ImmutableField",
      reason: "launchType cannot change in place",
      hint: "replace the service",
    });
  });

  it("says whether anything would change", () => {
    expect(hasChanges(actions)).toBe(true);
    expect(hasChanges([actions[3]!])).toBe(false);
    expect(summarize([])).toEqual({ create: 0, update: 0, delete: 0, noop: 0, blocked: 0 });
  });
});
