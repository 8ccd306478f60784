import type { Operation } from "fast-json-patch";
import { isJsonObject } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";
import { problem } from "../manifests/parse.js";
import { KINDS } from "../manifests/types.js";
import type { Kind, Problem, SourcePosition } from "../manifests/types.js";
import { locateAll } from "./located.js";
import type { Located } from "./located.js";
import type { LocatedOperation } from "./merge.js";
import type { VariableSource } from "./variables.js";

/** The fields of ecs-gitops.yaml that make its folder an environment (an overlay of bases). */
export const OVERLAY_FIELDS = ["bases", "namePrefix", "nameSuffix", "patches", "remove", "vars"] as const;

export type Target = { kind: Kind; name: string; at: SourcePosition };
export type Patch = { target: Target; merge?: Located; jsonPatch: LocatedOperation[] };
export type Overlay = {
  /** Folders, relative to the environment's folder, as written. */
  bases: { dir: string; at: SourcePosition }[];
  namePrefix: string;
  nameSuffix: string;
  /** Where the prefix or suffix was written: two environments that make one name are reported there. */
  namingAt: SourcePosition;
  patches: Patch[];
  remove: Target[];
  vars: Map<string, VariableSource>;
};

const OPS = ["add", "remove", "replace", "move", "copy", "test"];
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Read the overlay fields of a parsed ecs-gitops.yaml (the other fields are config.ts's). Pure. */
export function readOverlay(value: JsonValue, locate: (path: JsonPath) => SourcePosition): { overlay: Overlay; problems: Problem[] } {
  const problems: Problem[] = [];
  const add = (path: JsonPath, message: string) => problems.push(problem(locate(path), "InvalidValue", message));
  const doc = isJsonObject(value) ? value : {};
  const overlay: Overlay = { bases: [], namePrefix: "", nameSuffix: "", namingAt: locate([]), patches: [], remove: [], vars: new Map() };
  listOf(doc["bases"], ["bases"], add).forEach((base, i) => {
    if (typeof base === "string" && base !== "") overlay.bases.push({ dir: base, at: locate(["bases", i]) });
    else add(["bases", i], "a base is a folder path relative to this file, such as ../../base");
  });
  for (const field of ["namePrefix", "nameSuffix"] as const) {
    const text = doc[field];
    if (text === undefined) continue;
    if (typeof text !== "string" || !/^[A-Za-z0-9_.-]*$/.test(text))
      add([field], `${field} must be letters, digits, hyphens or underscores`);
    else {
      overlay[field] = text;
      overlay.namingAt = locate([field]);
    }
  }
  listOf(doc["remove"], ["remove"], add).forEach((item, i) => {
    const target = readTarget(item, ["remove", i], locate, add);
    if (target) overlay.remove.push(target);
  });
  listOf(doc["patches"], ["patches"], add).forEach((item, i) => {
    const at: JsonPath = ["patches", i];
    if (!isJsonObject(item))
      return add(at, "a patch is a mapping with target and patch (a partial manifest) or jsonPatch (RFC 6902 operations)");
    const target = readTarget(item["target"], [...at, "target"], locate, add);
    for (const key of Object.keys(item))
      if (!["target", "patch", "jsonPatch"].includes(key))
        add([...at, key], `unknown field "${key}" in a patch (target, patch, jsonPatch)`);
    if (item["patch"] === undefined && item["jsonPatch"] === undefined)
      add(at, "the patch changes nothing: add patch: (a partial manifest) or jsonPatch: (operations)");
    if (!target) return;
    const patch: Patch = { target, jsonPatch: [] };
    if (item["patch"] !== undefined) {
      if (isJsonObject(item["patch"])) patch.merge = locateAll(item["patch"], (p) => locate([...at, "patch", ...p]));
      else add([...at, "patch"], "patch must be a mapping shaped like the manifest (spec: …, metadata: {labels: …})");
    }
    listOf(item["jsonPatch"], [...at, "jsonPatch"], add).forEach((op, j) => {
      const opAt: JsonPath = [...at, "jsonPatch", j];
      if (!isJsonObject(op) || typeof op["op"] !== "string" || !OPS.includes(op["op"]) || typeof op["path"] !== "string") {
        return add(opAt, `a JSON-Patch operation needs op (${OPS.join(", ")}) and path (a JSON pointer such as /spec/desiredCount)`);
      }
      patch.jsonPatch.push({ operation: op as unknown as Operation, at: locate(opAt) });
    });
    overlay.patches.push(patch);
  });
  readVars(doc["vars"], locate, add, overlay.vars);
  return { overlay, problems };
}

/** `vars:` of any ecs-gitops.yaml (an environment's or a plain repository's). Pure. */
export function readVars(
  value: JsonValue | undefined,
  locate: (path: JsonPath) => SourcePosition,
  add: (path: JsonPath, message: string) => void,
  out: Map<string, VariableSource>,
): void {
  if (value === undefined || value === null) return;
  if (!isJsonObject(value)) return add(["vars"], "vars must be a mapping of NAME: value, {fromEnv: NAME} or {fromSsm: /parameter/name}");
  for (const [name, source] of Object.entries(value)) {
    const at = locate(["vars", name]);
    if (!VAR_NAME.test(name))
      add(["vars", name], `variable name "${name}" must be letters, digits and underscores, not starting with a digit`);
    else if (typeof source === "string" || typeof source === "number" || typeof source === "boolean")
      out.set(name, { type: "literal", value: source, at });
    else if (isJsonObject(source) && Object.keys(source).length === 1 && typeof source["fromEnv"] === "string")
      out.set(name, { type: "fromEnv", name: source["fromEnv"], at });
    else if (
      isJsonObject(source) &&
      Object.keys(source).length === 1 &&
      typeof source["fromSsm"] === "string" &&
      source["fromSsm"].startsWith("/")
    )
      out.set(name, { type: "fromSsm", name: source["fromSsm"], at });
    else add(["vars", name], `variable ${name} must be a value, {fromEnv: NAME} or {fromSsm: /parameter/name}`);
  }
}

function readTarget(
  value: JsonValue | undefined,
  at: JsonPath,
  locate: (path: JsonPath) => SourcePosition,
  add: (path: JsonPath, message: string) => void,
): Target | undefined {
  const kind = isJsonObject(value) ? KINDS.find((k) => k === value["kind"]) : undefined;
  const name = isJsonObject(value) ? value["name"] : undefined;
  if (!kind || typeof name !== "string") {
    add(at, `a target is {kind: ${KINDS.join("|")}, name: <name in the base>}`);
    return undefined;
  }
  return { kind, name, at: locate(at) };
}

function listOf(value: JsonValue | undefined, at: JsonPath, add: (path: JsonPath, message: string) => void): JsonValue[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  add(at, `${at.join(".")} must be a list`);
  return [];
}
