import { isArn, parseEcsServiceResourceId, parseTaskDefinitionRef } from "../aws/arn.js";
import { isJsonObject } from "../json.js";
import type { JsonObject, JsonPrimitive, JsonValue } from "../json.js";
import { KINDS } from "../manifests/kinds.js";
import type { Kind } from "../manifests/kinds.js";
import type { KindPlugin } from "../resources/kind-plugin.js";
import { pluginOf } from "../resources/registry.js";
import type { ParsedDocument } from "../manifests/parse.js";
import { problem } from "../manifests/parse.js";
import type { Problem, SourcePosition } from "../manifests/types.js";
import { locateAll, nodeAt, positionOf, toJson } from "./located.js";
import type { Located } from "./located.js";
import { applyJsonPatch, strategicMerge } from "./merge.js";
import type { Overlay, Target } from "./overlay.js";
import { substitute } from "./variables.js";
import type { Resolved } from "./variables.js";

/** One final manifest of an environment, with the files that wrote it (base first, then overlay). */
export type RenderedDocument = { doc: ParsedDocument; from: string[] };

export type RenderInput = {
  /** The environment's settings file as reported (e.g. envs/prod/ecs-gitops.yaml); undefined for a plain repository. */
  overlayFile?: string | undefined;
  overlay: Overlay;
  /** Documents of the base folders, then of the environment's own folder. */
  baseDocuments: readonly ParsedDocument[];
  ownDocuments: readonly ParsedDocument[];
  vars: Resolved;
};

/** `node` is built on first need: a document nothing changes keeps its own (lazy) positions, which costs nothing. */
type Working = { doc: ParsedDocument; node?: Located; from: string[]; baseName: string; kind: string };

/**
 * The manifests one environment sees: base documents, minus `remove`, patched (strategic merge,
 * then JSON Patch), plus the environment's own documents, renamed with the prefix and suffix
 * (references to renamed task definition families follow), with variables substituted. Every
 * node keeps the file and line that wrote it. Pure.
 */
export function renderEnvironment(input: RenderInput): { documents: RenderedDocument[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const fail = (at: SourcePosition, message: string) => problems.push(problem(at, "InvalidValue", message));
  const working = (doc: ParsedDocument): Working => {
    const value = isJsonObject(doc.value) ? doc.value : {};
    const metadata = isJsonObject(value["metadata"]) ? value["metadata"] : {};
    return {
      doc,
      from: [doc.file],
      baseName: typeof metadata["name"] === "string" ? metadata["name"] : "",
      kind: typeof value["kind"] === "string" ? value["kind"] : "",
    };
  };
  let docs = input.baseDocuments.map(working);
  const find = (target: Target) => docs.findIndex((d) => d.kind === target.kind && d.baseName === target.name);
  const missing = (target: Target, verb: string) =>
    fail(
      target.at,
      `${verb} ${target.kind} ${target.name}, which no base defines (${
        docs
          .filter((d) => d.kind === target.kind)
          .map((d) => d.baseName)
          .join(", ") || `no ${target.kind} at all`
      }): fix the name`,
    );
  for (const target of input.overlay.remove) {
    const index = find(target);
    if (index < 0) missing(target, "remove names");
    else docs = docs.filter((_, i) => i !== index);
  }
  for (const patch of input.overlay.patches) {
    const index = find(patch.target);
    const doc = docs[index];
    if (!doc) {
      missing(patch.target, "the patch targets");
      continue;
    }
    let node = nodeOf(doc);
    if (patch.merge) node = strategicMerge(node, patch.merge, [], fail);
    if (patch.jsonPatch.length > 0) node = applyJsonPatch(node, patch.jsonPatch, fail);
    docs[index] = { ...doc, node, from: [...new Set([...doc.from, input.overlayFile ?? doc.doc.file])] };
  }
  docs = [...docs, ...input.ownDocuments.map(working)];
  const renamed = rename(docs, input.overlay);
  const documents = renamed.flatMap((d): RenderedDocument[] => {
    if (d.node === undefined && !hasVariable(d.doc.value)) return [{ doc: d.doc, from: d.from }];
    const { node, complete } = substitute(nodeOf(d), input.vars, fail);
    // A document with an undefined variable has its error; checking the rest would add noise.
    if (!complete) return [];
    const value = toJson(node);
    return [{ doc: { ...d.doc, value, locate: (path) => positionOf(node, path) }, from: d.from }];
  });
  return { documents, problems };
}

function rename(docs: readonly Working[], overlay: Overlay): Working[] {
  const { namePrefix, nameSuffix } = overlay;
  if (namePrefix === "" && nameSuffix === "") return [...docs];
  const newName = (name: string) => `${namePrefix}${name}${nameSuffix}`;
  const families = new Set(docs.flatMap((d) => pluginOfDocument(d)?.definesFamily({ name: d.baseName, spec: specOf(d) }) ?? []));
  // `web` and `web:3` name a family of these manifests; an ARN names something managed elsewhere.
  const followFamily = (ref: JsonPrimitive): JsonPrimitive => {
    if (typeof ref !== "string" || isArn(ref)) return ref;
    const parsed = parseTaskDefinitionRef(ref);
    if ((parsed.type !== "family" && parsed.type !== "pinned") || !families.has(parsed.family)) return ref;
    return newName(parsed.family) + (parsed.type === "pinned" ? `:${parsed.revision}` : "");
  };
  // `service/<cluster>/web` scales the Service `web` of these manifests: it follows the rename.
  const services = new Set(docs.filter((d) => d.kind === "Service").map((d) => d.baseName));
  const followService = (id: JsonPrimitive): JsonPrimitive => {
    const scaled = typeof id === "string" ? parseEcsServiceResourceId(id) : undefined;
    return scaled !== undefined && services.has(scaled.service) ? `service/${scaled.cluster}/${newName(scaled.service)}` : id;
  };
  return docs.map((d) => {
    let node = setString(nodeOf(d), ["metadata", "name"], newName);
    const plugin = pluginOfDocument(d);
    for (const path of plugin?.referencePaths(specOf(d)) ?? []) node = setString(node, ["spec", ...path], followFamily);
    for (const path of plugin?.serviceReferencePaths(specOf(d)) ?? []) node = setString(node, ["spec", ...path], followService);
    return { ...d, node };
  });
}

/** The plug-in of a document's kind; undefined for a kind the loader will reject. */
function pluginOfDocument(d: Working): KindPlugin<Kind> | undefined {
  const kind = KINDS.find((k) => k === d.kind);
  return kind === undefined ? undefined : pluginOf(kind);
}

/** The spec as patched so far (the overlay's patches may add or change references). */
function specOf(d: Working): JsonObject {
  const spec = d.node === undefined ? undefined : nodeAt(d.node, ["spec"]);
  const value = spec !== undefined ? toJson(spec) : isJsonObject(d.doc.value) ? d.doc.value["spec"] : undefined;
  return isJsonObject(value) ? value : {};
}

/** A copy with the primitive at `path` (if any) replaced through `map`; its position is kept. */
function setString(node: Located, path: readonly (string | number)[], map: (value: string) => JsonPrimitive): Located {
  const [step, ...rest] = path;
  if (step === undefined) return "value" in node && typeof node.value === "string" ? { at: node.at, value: map(node.value) } : node;
  if ("fields" in node && Object.hasOwn(node.fields, String(step))) {
    return {
      at: node.at,
      fields: Object.assign(Object.create(null) as Record<string, Located>, node.fields, {
        [String(step)]: setString(node.fields[String(step)]!, rest, map),
      }),
    };
  }
  if ("items" in node && node.items[Number(step)] !== undefined) {
    return { at: node.at, items: node.items.map((item, i) => (i === Number(step) ? setString(item, rest, map) : item)) };
  }
  return node;
}

function nodeOf(d: Working): Located {
  return d.node ?? locateAll(d.doc.value, d.doc.locate);
}

function hasVariable(value: JsonValue): boolean {
  if (typeof value === "string") return value.includes("${");
  if (Array.isArray(value)) return value.some(hasVariable);
  if (isJsonObject(value)) return Object.values(value).some(hasVariable);
  return false;
}
