import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import { awsDefs, kindSpecSchemas } from "../../../../src/manifests/schema/aws-schema.generated.js";
import { normalizeTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { fixtureJson, leaves, liveFixture, mutated, reportsLeaf, setAt } from "./helpers.js";

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
};

function resolve(schema: Schema): Schema {
  let s = schema;
  while (s.$ref) s = awsDefs[s.$ref.replace("#/$defs/", "")] as Schema;
  return s;
}

/**
 * A task definition with EVERY field RegisterTaskDefinition takes (botocore schema), one item per
 * list, distinct non-default values. Enum-typed leaves remember their allowed values.
 */
function richFromSchema(schema: Schema, path: string, enums: Map<string, string[]>, seed: { n: number }): JsonValue {
  const s = resolve(schema);
  if (s.enum) {
    enums.set(path, s.enum);
    return s.enum[0] as string;
  }
  if (s.properties) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(s.properties)) out[key] = richFromSchema(child, `${path}/${key}`, enums, seed);
    return out;
  }
  if (s.items) return [richFromSchema(s.items, `${path}/0`, enums, seed)];
  if (s.type === "object") return { "Some.Key": `map-value-${++seed.n}` }; // a user map
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "integer" || type === "number") return 7 + ++seed.n;
  if (type === "boolean") return true;
  return `value-${++seed.n}`;
}

const enums = new Map<string, string[]>();
const RICH = richFromSchema(kindSpecSchemas.TaskDefinition as unknown as Schema, "", enums, { n: 0 }) as JsonObject;
// Task cpu/memory are unit strings: give them a valid integer form so the mutation is a number too.
RICH["cpu"] = "1024";
RICH["memory"] = "2048";
const RICH_LEAVES = leaves(RICH);

describe("mutation: every leaf the user can write is compared", () => {
  it("generates a rich task definition with a leaf for every schema field", () => {
    expect(RICH_LEAVES.length).toBeGreaterThanOrEqual(120);
    expect(diffValues(normalizeTaskDefinition(RICH), normalizeTaskDefinition(structuredClone(RICH)))).toEqual([]);
  });

  it.each(RICH_LEAVES.map((leaf) => ({ path: "/" + leaf.path.join("/"), leaf })))("detects a live change at $path", ({ path, leaf }) => {
    const live = setAt(RICH, leaf.path, mutated(leaf.value, enums.get(path))) as JsonObject;
    const changes = diffValues(normalizeTaskDefinition(RICH), normalizeTaskDefinition(live));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.some((c) => reportsLeaf(c.path, leaf.path, false))).toBe(true);
  });
});

/** Fields of a described task definition that are not RegisterTaskDefinition input (TD-2, TD-3). */
const NOT_COMPARED = new Set([
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "family",
  "tags",
]);

const FIXTURES = [
  "td-awscli-hello-world-8-2024.json",
  "td-console-fargate-2023.json",
  "td-awscli-sleep360-register.json",
  "td-console-efs-gitlab-2024.json",
  "td-console-nulls-efs-accesspoint-2021.json",
  "td-console-wordpress-efs-secrets-2025.json",
  "td-console-rails-nginx-dependson-2024.json",
  "td-console-firelens-nulls-ec2-2020.json",
  "td-console-firelens-arm64-2024.json",
  "td-reconstructed-windows-fargate.json",
];

const FIXTURE_CASES = FIXTURES.flatMap((fixture) =>
  leaves(liveFixture(fixture).taskDefinition)
    .filter((leaf) => leaf.value !== null)
    .map((leaf) => ({ fixture, path: "/" + leaf.path.join("/"), leaf, compared: !NOT_COMPARED.has(String(leaf.path[0])) })),
);

describe("mutation: every leaf of every real response", () => {
  it("walks a few hundred real leaves", () => {
    expect(FIXTURE_CASES.length).toBeGreaterThan(400);
  });

  it.each(FIXTURE_CASES)("$fixture $path", ({ fixture, leaf, compared }) => {
    const original = liveFixture(fixture).taskDefinition;
    const changes = diffValues(
      normalizeTaskDefinition(original),
      normalizeTaskDefinition(setAt(original, leaf.path, mutated(leaf.value)) as JsonObject),
    );
    if (compared) expect(changes.some((c) => reportsLeaf(c.path, leaf.path, true))).toBe(true);
    else expect(changes).toEqual([]);
  });

  it("reads every fixture", () => {
    for (const fixture of FIXTURES) expect(fixtureJson(fixture)).toBeTypeOf("object");
  });
});
