import type { AwsClients } from "../aws/index.js";
import type { ExportedManifest } from "../resources/common/schema-util.js";
import { referenceFor } from "../resources/kind-export.js";
import type { ExportedResource, ExportIo, ExportSelection } from "../resources/kind-export.js";
import type { KindPlugin } from "../resources/kind-plugin.js";
import { allPlugins } from "../resources/registry.js";

export type ExportedItem = { resource: ExportedResource; exported: ExportedManifest };

/**
 * Every exportable kind's live resources as manifests. The kinds read side by side; one that
 * needs another's answer awaits it (task definitions await the resources that run them).
 */
export async function exportResources(
  aws: AwsClients,
  selection: ExportSelection,
  warn: (text: string) => void,
  plugins: readonly Pick<KindPlugin<string>, "kind" | "export">[] = allPlugins(),
): Promise<ExportedItem[]> {
  const exporters = plugins.flatMap((p) => (p.export === undefined ? [] : [{ kind: p.kind, export: p.export }]));
  const reads = new Map<string, Promise<ExportedResource[]>>();
  const ioOf = (self: string): ExportIo => ({
    aws,
    selection,
    warn,
    exportsOf: async (kind) => (await reads.get(kind)) ?? [],
    exportsOfOthers: async () => (await Promise.all(exporters.filter((e) => e.kind !== self).map((e) => reads.get(e.kind) ?? []))).flat(),
  });
  // Every read is registered before any starts, so exportsOf finds the others.
  for (const e of exporters)
    reads.set(
      e.kind,
      Promise.resolve().then(() => e.export.read(ioOf(e.kind))),
    );
  const resources = (await Promise.all(exporters.map((e) => reads.get(e.kind) ?? []))).flat();

  const revisions = new Map(
    resources.flatMap((r) => (r.revision === undefined ? [] : [[r.revision.family, r.revision.revision] as const])),
  );
  const reference = (arn: string) => referenceFor(arn, revisions);
  const adjustments = resources.flatMap((r) => (r.adjusts === undefined ? [] : [r.adjusts]));
  return resources.flatMap((resource) => {
    const manifest = resource.manifest(reference);
    if (manifest === undefined) return [];
    const exported = adjustments.filter((a) => a.key === resource.key).reduce((m, a) => a.adjust(m), manifest);
    return [{ resource, exported }];
  });
}
