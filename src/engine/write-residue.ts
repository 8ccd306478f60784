import { isDeepStrictEqual } from "node:util";
import type { JsonObject, JsonValue } from "../json.js";
import type { Manifest } from "../manifests/types.js";
import type { ResidueContext } from "../resources/kind-plugin.js";
import { pluginFor } from "../resources/registry.js";
import type { Change } from "../resources/types.js";

/**
 * What one of our writes did not achieve, as AWS answered it: each path where the resource right
 * after the write (the UpdateService / CreateService response) still differs from git, with the
 * value it had then. Keyed by change path.
 */
export type Residue = ReadonlyMap<string, JsonValue | undefined>;

export type { ResidueContext };

/**
 * The residue of a write. Only a kind whose writes answer with the new state has one (a
 * service); a rule or revision has none, so nothing it shows afterwards can be told from a hand
 * change. Tags are not in the response: a tag difference afterwards is never residue.
 */
export function residueAfterWrite(manifest: Manifest, postWrite: JsonObject | undefined, ctx: ResidueContext): Residue | undefined {
  if (postWrite === undefined) return undefined;
  const changes = pluginFor(manifest).residueChanges(manifest, postWrite, ctx);
  if (changes === undefined) return undefined;
  const residue = new Map<string, JsonValue | undefined>();
  for (const change of changes) {
    if (!change.path.startsWith("/tags/")) residue.set(change.path, change.live as JsonValue | undefined);
  }
  return residue;
}

/**
 * True when every difference seen now is one the write left undone and still has the value it
 * had right after the write: re-sending it finishes our own write. Anything else (a field changed
 * since, a new difference) is someone else's change: drift.
 */
export function isOnlyResidue(changes: readonly Change[], residue: Residue): boolean {
  return (
    changes.length > 0 && changes.every((change) => residue.has(change.path) && isDeepStrictEqual(residue.get(change.path), change.live))
  );
}
