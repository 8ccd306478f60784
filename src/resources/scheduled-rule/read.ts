import { listRules, listTagsForResource, listTargetsByRule } from "../../aws/index.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { busOf } from "./bus.js";
import type { Manifest, ResourceKey } from "../../manifests/types.js";
import type { KindReadIo } from "../kind-plugin.js";
import type { LiveScheduledRule } from "./normalize.js";
import { prefetchRuleTags } from "./tags-prefetch.js";

/** Rules by listing each bus once, plus ListTargetsByRule per managed rule and its tags (cached). */
export async function readRules(manifests: readonly Manifest[], io: KindReadIo): Promise<Map<ResourceKey, LiveScheduledRule | undefined>> {
  const byBus = new Map<string, Manifest[]>();
  for (const m of manifests) {
    const bus = busOf(m.spec["eventBusName"]);
    byBus.set(bus, [...(byBus.get(bus) ?? []), m]);
  }
  const out = new Map<ResourceKey, LiveScheduledRule | undefined>();
  const read = await Promise.all([...byBus].map(([bus, group]) => readBus(io, bus, group)));
  for (const entries of read) for (const [key, rule] of entries) out.set(key, rule);
  return out;
}

async function readBus(io: KindReadIo, bus: string, group: readonly Manifest[]): Promise<[ResourceKey, LiveScheduledRule | undefined][]> {
  const listed = new Map((await io.read(() => listRules(io.aws, bus))).map((r) => [String(r["Name"]), r]));
  for (const [arn, cached] of io.cache.ruleTags) if (cached.bus === bus && !listed.has(cached.name)) io.cache.ruleTags.delete(arn);
  await prefetchRuleTags(
    io,
    bus,
    group.flatMap((m) => {
      const rule = listed.get(m.name);
      return rule === undefined ? [] : [rule];
    }),
  );
  return Promise.all(
    group.map(async (m): Promise<[ResourceKey, LiveScheduledRule | undefined]> => {
      const rule = listed.get(m.name);
      if (!rule) return [m.key, undefined];
      const [targets, tags] = await Promise.all([
        io.read(() => listTargetsByRule(io.aws, bus, m.name)),
        tagsOfRule(io, bus, m.name, rule["Arn"]),
      ]);
      return [m.key, { rule, targets, tags }];
    }),
  );
}

async function tagsOfRule(io: KindReadIo, bus: string, name: string, arn: JsonValue | undefined): Promise<JsonObject[]> {
  if (typeof arn !== "string") return [];
  const cached = io.cache.ruleTags.get(arn);
  if (cached !== undefined && cached.expiresAt > io.now()) return cached.tags;
  const tags = await io.read(() => listTagsForResource(io.aws, arn));
  io.cache.ruleTags.set(arn, { bus, name, tags, expiresAt: io.cache.expiry() });
  return tags;
}
