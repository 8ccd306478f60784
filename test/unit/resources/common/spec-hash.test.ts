import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { manifestOf } from "../builders.js";

const spec: JsonObject = {
  cluster: "prod",
  taskDefinition: "web",
  desiredCount: 2,
  networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
};
const labels = { team: "shop", tier: "front" };
const base = manifestOf("Service", "web", spec, { labels });

describe("manifestSpecHash", () => {
  it("is a hex digest short enough for a tag value", () => {
    expect(manifestSpecHash(base)).toMatch(/^[0-9a-f]{32}$/);
  });

  it("is stable across key order in the spec and the labels, at every depth", () => {
    const reordered = manifestOf(
      "Service",
      "web",
      {
        networkConfiguration: { awsvpcConfiguration: { assignPublicIp: "DISABLED", securityGroups: ["sg-1"], subnets: ["subnet-a"] } },
        desiredCount: 2,
        taskDefinition: "web",
        cluster: "prod",
      },
      { labels: { tier: "front", team: "shop" } },
    );
    expect(manifestSpecHash(reordered)).toBe(manifestSpecHash(base));
  });

  it.each([
    ["a top-level spec field changes", { spec: { ...spec, desiredCount: 3 }, labels }],
    ["a spec field is added", { spec: { ...spec, healthCheckGracePeriodSeconds: 30 }, labels }],
    ["a spec field is removed", { spec: { cluster: "prod", taskDefinition: "web", desiredCount: 2 }, labels }],
    [
      "a nested spec leaf changes",
      {
        spec: {
          ...spec,
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-b"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
        },
        labels,
      },
    ],
    ["a label value changes", { spec, labels: { ...labels, team: "ops" } }],
    ["a label is added", { spec, labels: { ...labels, cost: "42" } }],
    ["a label is removed", { spec, labels: { team: "shop" } }],
  ])("changes when %s", (_name, changed) => {
    expect(manifestSpecHash(changed)).not.toBe(manifestSpecHash(base));
  });

  it("keeps spec and labels apart: the same key moved from one to the other changes it", () => {
    expect(manifestSpecHash({ spec: { team: "shop" }, labels: {} })).not.toBe(manifestSpecHash({ spec: {}, labels: { team: "shop" } }));
  });

  it("is unaffected by annotations, the file and the source position", () => {
    const annotated = manifestOf("Service", "web", structuredClone(spec), {
      labels: { ...labels },
      annotations: { "ecs-gitops/ignore-differences": "desiredCount", "ecs-gitops/adopt": "true" },
      file: "services/web.yaml",
    });
    expect(manifestSpecHash(annotated)).toBe(manifestSpecHash(base));
  });
});
