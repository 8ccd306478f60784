import { describe, expect, it } from "vitest";
import type { AwsClients } from "../../../src/aws/index.js";
import { exportResources } from "../../../src/cli/export-resources.js";
import type { ExportedResource, KindExport } from "../../../src/resources/kind-export.js";

// Throwaway kinds whose reads need no AWS: the runner itself is under test, not a kind's read.
const NO_AWS = {} as AwsClients;
const ARN = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/batch:${revision}`;

function resource(key: string, fields: Partial<ExportedResource> = {}): ExportedResource {
  return {
    key,
    file: `${key}.yaml`,
    source: `Exported from ${key}`,
    taskDefinitionArns: [],
    folder: key,
    manifest: () => ({ document: { kind: key }, reviews: [] }),
    ...fields,
  };
}

describe("exportResources", () => {
  it("lets a kind await the others, names an exported revision by family, pins another, applies adjustments", async () => {
    const runners: KindExport = {
      read: async () => [
        resource("Job/a", { taskDefinitionArns: [ARN(7)], manifest: (ref) => ({ document: { runs: ref(ARN(7)).ref }, reviews: [] }) }),
        resource("Job/b", { manifest: (ref) => ({ document: { runs: ref(ARN(6)).ref, count: 3 }, reviews: [] }) }),
        resource("Job/none", { manifest: () => undefined }),
      ],
    };
    const revisions: KindExport = {
      read: async ({ exportsOfOthers }) => {
        const arns = (await exportsOfOthers()).flatMap((r) => r.taskDefinitionArns);
        return arns.map(() => resource("Family/batch", { revision: { family: "batch", revision: 7 } }));
      },
    };
    const scaler: KindExport = {
      read: async ({ exportsOf }) =>
        (await exportsOf("Job")).some((r) => r.key === "Job/b")
          ? [resource("Scaler/b", { adjusts: { key: "Job/b", adjust: (m) => ({ ...m, document: { ...m.document, count: "auto" } }) } })]
          : [],
    };
    const items = await exportResources(NO_AWS, { cluster: "prod" }, () => undefined, [
      { kind: "Family", export: revisions },
      { kind: "Job", export: runners },
      { kind: "Scaler", export: scaler },
      { kind: "Hidden", export: undefined },
    ]);
    expect(items.map((i) => [i.resource.key, i.exported.document])).toEqual([
      ["Family/batch", { kind: "Family/batch" }],
      ["Job/a", { runs: "batch" }],
      ["Job/b", { runs: "batch:6", count: "auto" }],
      ["Scaler/b", { kind: "Scaler/b" }],
    ]);
    expect(items[2]?.exported.reviews).toEqual([]);
  });

  it("fails the export when one kind's read fails", async () => {
    const failing: KindExport = { read: () => Promise.reject(new Error('no such rule on event bus "default": x')) };
    const waiting: KindExport = { read: async ({ exportsOfOthers }) => (await exportsOfOthers()).map((r) => resource(`${r.key}-copy`)) };
    await expect(
      exportResources(NO_AWS, { cluster: "prod" }, () => undefined, [
        { kind: "Rule", export: failing },
        { kind: "Copy", export: waiting },
      ]),
    ).rejects.toThrow('no such rule on event bus "default": x');
  });
});
