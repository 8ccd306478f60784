import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planAll } from "../../../src/engine/planner.js";
import type { LiveSnapshot, PlanSettings } from "../../../src/engine/planner.js";
import { renderPlan, toPlanDocument } from "../../../src/plan/render.js";
import type { Manifest } from "../../../src/manifests/types.js";
import { loadDesiredState } from "../../../src/resources/load.js";
import type { LiveScheduledRule } from "../../../src/resources/scheduled-rule/normalize.js";
import { OWNER_TAG } from "../../../src/resources/types.js";

/** Keys every plain object inherits (or reads specially): each one is only a key to the user. */
const PROTOTYPE_NAMES = [
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "__lookupSetter__",
  "toString",
  "toLocaleString",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "constructor",
  "prototype",
];

const EXAMPLES = path.resolve(import.meta.dirname, "../../../examples");
const settings: PlanSettings = { owner: "ecs-gitops", revision: "c1", region: "eu-west-1", defaultCluster: undefined, ignoreRules: [] };
const empty: LiveSnapshot = {
  accountId: "123456789012",
  revisions: new Map(),
  latestKnown: new Set(),
  services: new Map(),
  rules: new Map(),
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ecs-gitops-proto-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** examples/ with `name` as a label, docker label, log option, env variable and rule target id everywhere it fits. */
async function repoWith(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(root, `${name}-`));
  await cp(EXAMPLES, dir, { recursive: true });
  const edit = async (file: string, change: (text: string) => string) => {
    const full = path.join(dir, file);
    const before = await readFile(full, "utf8");
    const after = change(before);
    expect(after, file).not.toBe(before);
    await writeFile(full, after);
  };
  for (const file of ["web/task-definition.yaml", "web/service.yaml", "nightly-report/scheduled-rule.yaml"]) {
    await edit(file, (t) => t.replace("  labels:\n    team: shop\n", `  labels:\n    team: shop\n    ${name}: "${name}-label"\n`));
  }
  await edit("web/task-definition.yaml", (t) =>
    t
      .replace(
        "          awslogs-stream-prefix: web\n",
        `          awslogs-stream-prefix: web\n          ${name}: option\n      dockerLabels:\n        ${name}: docker\n`,
      )
      .replace(
        "        - {name: LOG_LEVEL, value: info}\n",
        `        - {name: LOG_LEVEL, value: info}\n        - {name: ${name}, value: env}\n`,
      ),
  );
  await edit("nightly-report/scheduled-rule.yaml", (t) => t.replace("    - id: report\n", `    - id: ${name}\n`));
  return dir;
}

async function load(name: string): Promise<Manifest[]> {
  const { manifests, problems } = await loadDesiredState(await repoWith(name));
  expect(problems.filter((p) => p.severity === "error")).toEqual([]);
  return manifests;
}

/** What AWS would hold after applying `manifests`: each create's input, read back, with `tags` replaced. */
function liveAfterCreate(
  manifests: readonly Manifest[],
  tags: (list: { key: string; value: string }[]) => { key: string; value: string }[],
): LiveSnapshot {
  const { actions } = planAll(manifests, empty, settings);
  const revisions = new Map<string, LiveSnapshot["revisions"] extends ReadonlyMap<string, infer V> ? V : never>();
  const services = new Map<string, LiveSnapshot["services"] extends ReadonlyMap<string, infer V> ? V : never>();
  const rules = new Map<string, LiveScheduledRule>();
  let n = 0;
  for (const action of actions) {
    if (action.type === "blocked") continue;
    for (const call of action.calls) {
      const input = structuredClone(call.input) as Record<string, unknown> & { tags?: { key: string; value: string }[] };
      if (call.operation === "ecs:RegisterTaskDefinition") {
        const family = String(input["family"]);
        const arn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${++n}`;
        const liveTags = tags(input.tags ?? []);
        delete input.tags;
        revisions.set(family, [
          {
            arn,
            revision: n,
            taskDefinition: { ...input, taskDefinitionArn: arn, revision: n } as never,
            tags: Object.fromEntries(liveTags.map((t) => [t.key, t.value])),
          },
        ]);
      }
      if (call.operation === "ecs:CreateService") {
        const family = String(input["taskDefinition"]).replace(/^\$\{arn:TaskDefinition\/(.*)\}$/, "$1");
        const arn = revisions.get(family)?.[0]?.arn ?? "";
        services.set(action.key, {
          ...input,
          taskDefinition: arn,
          status: "ACTIVE",
          serviceArn: `arn:aws:ecs:eu-west-1:123456789012:service/shop/${String(input["serviceName"])}`,
          tags: tags(input.tags ?? []),
        } as never);
      }
    }
  }
  return { ...empty, revisions, latestKnown: new Set(revisions.keys()), services, rules };
}

describe.each(PROTOTYPE_NAMES)("a user key named %s", (name) => {
  it("loads, plans a create and renders it as text and JSON", async () => {
    const manifests = await load(name);
    const { actions } = planAll(manifests, empty, settings);
    expect(actions.map((a) => a.type)).not.toContain("blocked");
    const text = renderPlan(actions, { color: false });
    expect(text).toContain(`+ tags[${name}]: "${name}-label"`);
    const doc = JSON.stringify(toPlanDocument(actions, "c1"));
    expect(doc).toContain(`"key":"${name}","value":"${name}-label"`);
    expect(doc).toContain(`"${name}":"docker"`);
    expect(doc).toContain(`"${name}":"option"`);
    expect(doc).toContain(`"Id":"${name}"`);
  });

  it("is a noop once applied, is written back when removed by hand, and a stray one is removed", async () => {
    const manifests = await load(name);
    const same = planAll(
      manifests,
      liveAfterCreate(manifests, (t) => t),
      settings,
    ).actions;
    expect(same.filter((a) => a.kind !== "ScheduledRule").map((a) => `${a.key} ${a.type}`)).toEqual(
      same.filter((a) => a.kind !== "ScheduledRule").map((a) => `${a.key} noop`),
    );

    const stray = PROTOTYPE_NAMES.find((other) => other !== name)!;
    const edited = liveAfterCreate(manifests, (t) => [...t.filter((tag) => tag.key !== name), { key: stray, value: "by hand" }]);
    const { actions } = planAll(manifests, edited, settings);
    const service = actions.find((a) => a.key === "Service/shop/web")!;
    expect(service.type).toBe("update");
    expect(service.changes).toEqual(
      [
        { path: `/tags/${name}`, desired: `${name}-label`, live: undefined },
        { path: `/tags/${stray}`, desired: undefined, live: "by hand" },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    );
    const calls = "calls" in service ? service.calls : [];
    expect(calls.find((c) => c.operation === "ecs:UntagResource")?.input["tagKeys"]).toEqual([stray]);
    expect(JSON.stringify(calls.find((c) => c.operation === "ecs:TagResource")?.input["tags"])).toContain(
      `{"key":"${name}","value":"${name}-label"}`,
    );
    expect(renderPlan(actions, { color: false })).toContain(`tags[${stray}]: "by hand" → (unset)`);
  });

  it("does not make a resource look owned or adoptable", async () => {
    const manifests = await load(name);
    const foreign = liveAfterCreate(manifests, (t) => t.filter((tag) => tag.key !== OWNER_TAG));
    const service = planAll(manifests, foreign, settings).actions.find((a) => a.key === "Service/shop/web")!;
    expect(service.type).toBe("blocked");
  });
});

describe("a live key named __proto__ (set outside git, read back from AWS)", () => {
  it("is an ordinary difference: no object's prototype changes on the way", async () => {
    const { normalizeTaskDefinition } = await import("../../../src/resources/task-definition/normalize.js");
    const { diffValues } = await import("../../../src/diff/structural.js");
    const { toPlainObject } = await import("../../../src/aws/plain-json.js");
    const container = { name: "web", image: "nginx:1", memory: 128 };
    const described = toPlainObject(
      JSON.parse(
        `{"family":"web","containerDefinitions":[{"name":"web","image":"nginx:1","memory":128,` +
          `"dockerLabels":{"__proto__":{"polluted":"yes"},"team":"x"}}]}`,
      ),
    );
    const live = normalizeTaskDefinition(described);
    const changes = diffValues(normalizeTaskDefinition({ containerDefinitions: [{ ...container, dockerLabels: { team: "x" } }] }), live);
    expect(changes.map((c) => c.field)).toEqual(["containerDefinitions[web].dockerLabels[__proto__]"]);
    expect(changes[0]?.live).toEqual({ polluted: "yes" });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.getPrototypeOf(live)).toBe(Object.prototype);
  });
});
