import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderManifest } from "../../../../src/cli/commands/export.js";
import { isJsonObject } from "../../../../src/json.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import { loadManifestFiles } from "../../../../src/manifests/load.js";
import type { LoadResult } from "../../../../src/manifests/types.js";
import { finishDesiredState } from "../../../../src/resources/load.js";
import { exportTaskDefinition } from "../../../../src/resources/task-definition/export.js";
import type { ExportedManifest } from "../../../../src/resources/task-definition/export.js";
import { planTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import type { LiveTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { planContext } from "../builders.js";
import { fixtureJson, leaves, liveFixture } from "./helpers.js";

const FIXTURES = [
  "td-awscli-hello-world-8-2024.json",
  "td-awscli-sleep360-register.json",
  "td-console-efs-gitlab-2024.json",
  "td-console-fargate-2023.json",
  "td-console-firelens-arm64-2024.json",
  "td-console-firelens-nulls-ec2-2020.json",
  "td-console-nulls-efs-accesspoint-2021.json",
  "td-console-rails-nginx-dependson-2024.json",
  "td-console-wordpress-efs-secrets-2025.json",
  "td-reconstructed-windows-fargate.json",
];

function exported(response: unknown): ExportedManifest {
  const result = exportTaskDefinition(response);
  if (!result) throw new Error("not exported");
  return result;
}

/** The YAML `export` writes, read back exactly as `validate` reads a repository. */
function loadExported(result: ExportedManifest, file = "task-definition.yaml"): LoadResult & { yaml: string } {
  const yaml = renderManifest(result, "Exported from a test fixture");
  return { ...finishDesiredState(loadManifestFiles([{ file, bytes: new TextEncoder().encode(yaml) }])), yaml };
}

/** The fixture as the planner sees a live revision, with the ownership tags stripped (hand-made). */
function liveRevision(name: string): LiveTaskDefinition {
  const live = liveFixture(name);
  const tags = Object.fromEntries(Object.entries(live.tags).filter(([key]) => !key.startsWith("ecs-gitops:")));
  return {
    arn: live.arn ?? "arn:aws:ecs:us-east-1:123456789012:task-definition/x:1",
    revision: live.revision ?? 1,
    taskDefinition: live.taskDefinition,
    tags,
  };
}

describe("exportTaskDefinition round trip on real DescribeTaskDefinition shapes", () => {
  it.each(FIXTURES)("%s: validates and plans no change but the ownership tags", (name) => {
    const loaded = loadExported(exported(fixtureJson(name)));
    expect(loaded.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(loaded.manifests).toHaveLength(1);
    const manifest = loaded.manifests[0]!;
    expect(manifest.annotations).toEqual({ "ecs-gitops/adopt": "true" });

    const plan = planTaskDefinition(manifest, [liveRevision(name)], planContext());
    expect(plan.action.changes.map((c) => c.path).sort()).toEqual(
      [OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG].map((tag) => `/tags/${tag}`).sort(),
    );
    // Adopting tags the revision in use; it never registers a new one.
    expect(plan.action.type).toBe("update");
    expect(plan.action.type !== "blocked" && plan.action.calls.map((c) => c.operation)).toEqual(["ecs:TagResource"]);
    expect(plan.resolved).toEqual({ state: "known", arn: liveRevision(name).arn });
  });

  it.each(FIXTURES)("%s: writes the input shape only: no nulls, empty lists or mappings, no response fields", (name) => {
    const spec = exported(fixtureJson(name)).document["spec"] as JsonObject;
    for (const leaf of leaves(spec)) expect(leaf.value, leaf.path.join(".")).not.toBeNull();
    const walk = (value: JsonValue, path: string): void => {
      if (Array.isArray(value)) {
        expect(value.length, path).toBeGreaterThan(0);
        value.forEach((item, i) => walk(item, `${path}.${i}`));
      } else if (isJsonObject(value)) {
        expect(Object.keys(value).length, path).toBeGreaterThan(0);
        for (const [key, v] of Object.entries(value)) walk(v, `${path}.${key}`);
      }
    };
    walk(spec, "spec");
    for (const field of [
      "taskDefinitionArn",
      "revision",
      "status",
      "requiresAttributes",
      "compatibilities",
      "registeredAt",
      "registeredBy",
      "family",
      "tags",
    ]) {
      expect(spec[field], field).toBeUndefined();
    }
  });
});

describe("exportTaskDefinition leaves out what AWS fills in", () => {
  const container = (spec: JsonObject, index = 0): JsonObject => (spec["containerDefinitions"] as JsonObject[])[index]!;
  const specOf = (name: string): JsonObject => exported(fixtureJson(name)).document["spec"] as JsonObject;

  it("drops essential true, container cpu 0, protocol tcp, awsvpc hostPort and the health-check timings", () => {
    const spec = specOf("td-console-fargate-2023.json");
    const c = container(spec);
    expect(c["essential"]).toBeUndefined();
    expect(c["cpu"]).toBeUndefined();
    expect(c["portMappings"]).toEqual([{ name: "hiringcandidate-command-80-tcp", containerPort: 80, appProtocol: "http" }]);
    expect(c["healthCheck"]).toEqual({ command: ["CMD-SHELL", "curl -f http://localhost/health?param1=1&param2=2 || exit 1"] });
    expect(spec["cpu"]).toBe(1024);
    expect(spec["memory"]).toBe(2048);
  });

  it("keeps what the user chose: essential false, non-default health timings, hostPort in bridge mode, readOnly false", () => {
    const rails = specOf("td-console-rails-nginx-dependson-2024.json");
    expect(container(rails)["healthCheck"]).toMatchObject({ interval: 300, timeout: 60, retries: 10, startPeriod: 300 });
    const hello = specOf("td-awscli-hello-world-8-2024.json");
    expect(container(hello)["portMappings"]).toEqual([{ containerPort: 80, hostPort: 80 }]);
    expect(container(hello)["cpu"]).toBe(10);
    const gitlab = specOf("td-console-efs-gitlab-2024.json");
    expect((container(gitlab)["mountPoints"] as JsonObject[]).every((m) => m["readOnly"] === false)).toBe(true);
    const response = structuredClone(fixtureJson("td-awscli-hello-world-8-2024.json"));
    ((response["taskDefinition"] as JsonObject)["containerDefinitions"] as JsonObject[])[1]!["essential"] = false;
    expect(container(exported(response).document["spec"] as JsonObject, 1)["essential"]).toBe(false);
  });

  it("drops enableFaultInjection false and EFS rootDirectory '/' but keeps a real root directory", () => {
    const wordpress = specOf("td-console-wordpress-efs-secrets-2025.json");
    expect(wordpress["enableFaultInjection"]).toBeUndefined();
    const gitlab = specOf("td-console-efs-gitlab-2024.json");
    expect((gitlab["volumes"] as JsonObject[]).map((v) => (v["efsVolumeConfiguration"] as JsonObject)["rootDirectory"])).toEqual([
      "/srv/gitlab/config",
      "/srv/gitlab/logs",
      "/srv/gitlab/data",
    ]);
  });

  it("never exports rootDirectory next to an EFS access point, and flags it for review", () => {
    const result = exported(fixtureJson("td-console-nulls-efs-accesspoint-2021.json"));
    const volumes = (result.document["spec"] as JsonObject)["volumes"] as JsonObject[];
    for (const volume of volumes) expect(volume["efsVolumeConfiguration"]).not.toHaveProperty("rootDirectory");
    expect(result.reviews.map((r) => r.path)).toEqual([
      ["spec", "volumes", 0, "efsVolumeConfiguration"],
      ["spec", "volumes", 1, "efsVolumeConfiguration"],
    ]);
    const yaml = renderManifest(result);
    expect(yaml.match(/# review: rootDirectory not exported/g)).toHaveLength(2);
    // The comments are YAML comments: the document reads back unchanged.
    expect(parse(yaml)).toEqual(result.document);
  });
});

describe("exportTaskDefinition metadata", () => {
  it("names the manifest after the family and turns tags into labels, minus aws: and ecs-gitops: tags", () => {
    const response = structuredClone(fixtureJson("td-reconstructed-windows-fargate.json"));
    response["tags"] = [
      { key: "team", value: "windows" },
      { key: "aws:cloudformation:stack-name", value: "iis" },
      { key: OWNER_TAG, value: "someone-else" },
      { key: SOURCE_TAG, value: "x.yaml" },
    ];
    const { document } = exported(response);
    expect(document["metadata"]).toEqual({
      name: "windows-simple-iis-2019-core",
      labels: { team: "windows" },
      annotations: { "ecs-gitops/adopt": "true" },
    });
    expect(Object.keys(document)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
  });

  it("flags a field the schema does not know instead of dropping it silently", () => {
    const response = structuredClone(fixtureJson("td-awscli-sleep360-register.json"));
    const td = response["taskDefinition"] as JsonObject;
    (td["containerDefinitions"] as JsonObject[])[0]!["fancyNewSetting"] = "on";
    td["futureTaskField"] = 1;
    const result = exported(response);
    expect(result.reviews).toEqual([
      {
        path: ["spec", "containerDefinitions", 0],
        message: expect.stringMatching(/^fancyNewSetting \(live\) is not a RegisterTaskDefinition field/),
      },
      { path: ["spec"], message: expect.stringMatching(/^futureTaskField \(live\)/) },
    ]);
    expect(JSON.stringify(result.document)).not.toMatch(/fancyNewSetting|futureTaskField/);
    expect(loadExported(result).problems).toEqual([]);
  });

  it("is undefined for something that is not a task definition", () => {
    expect(exportTaskDefinition({ services: [] })).toBeUndefined();
    expect(exportTaskDefinition("not json")).toBeUndefined();
  });
});

describe("export flags plaintext secret-looking environment values", () => {
  const td = (environment: { name: string; value: string }[]) => ({
    taskDefinition: {
      family: "ledger",
      taskDefinitionArn: "arn:aws:ecs:eu-west-1:111122223333:task-definition/ledger:4",
      revision: 4,
      containerDefinitions: [{ name: "api", image: "ledger/api:2", memory: 256, environment }],
    },
  });

  it("adds a review note that suggests secrets, for each secret-looking name only", () => {
    const result = exported(
      td([
        { name: "LOG_LEVEL", value: "debug" },
        { name: "STRIPE_API_KEY", value: "sk_live_x" },
        { name: "DbPassword", value: "hunter2" },
        { name: "EMPTY_TOKEN", value: "" },
      ]),
    );
    const notes = result.reviews.filter((r) => /secret in plain text/.test(r.message));
    expect(notes.map((r) => r.path)).toEqual([
      ["spec", "containerDefinitions", 0, "environment", 1],
      ["spec", "containerDefinitions", 0, "environment", 2],
    ]);
    const { yaml, problems } = loadExported(result);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(yaml).toMatch(/# review: STRIPE_API_KEY looks like a secret in plain text, now in git: move it to secrets/);
  });

  it("says nothing when no value looks secret", () => {
    expect(exported(td([{ name: "PORT", value: "8080" }])).reviews.filter((r) => /secret/.test(r.message))).toEqual([]);
  });
});
