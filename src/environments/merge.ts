import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { emptyMap } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";
import type { SourcePosition } from "../manifests/types.js";
import { locateAt, nodeAt, toJson } from "./located.js";
import type { Located } from "./located.js";

export type Fail = (at: SourcePosition, message: string) => void;

/**
 * The field that identifies an item of each list an overlay may patch item by item (Kubernetes'
 * "patch merge key"): a patch names the container, variable or port it changes, and items it does
 * not name stay as the base wrote them. Lists not named here (commands, subnets) are replaced whole.
 */
export const LIST_KEYS: Readonly<Record<string, string>> = {
  containerDefinitions: "name",
  environment: "name",
  secrets: "name",
  portMappings: "containerPort",
  mountPoints: "containerPath",
  volumes: "name",
  volumesFrom: "sourceContainer",
  dependsOn: "containerName",
  ulimits: "name",
  extraHosts: "hostname",
  systemControls: "namespace",
  containerOverrides: "name",
  capacityProviderStrategy: "capacityProvider",
  targets: "id",
};
/**
 * Lists whose items are whole units (a container, a rule target): a patch naming one the base
 * lacks is far more often a typo than a wish to add one, so adding takes `$patch: add`.
 */
const ADD_NEEDS_DIRECTIVE = new Set(["containerDefinitions", "targets"]);
const DIRECTIVE = "$patch";

/**
 * Strategic merge of `patch` onto `base`: mappings merge key by key (`null` removes a key), keyed
 * lists merge item by item (`$patch: delete` removes an item), anything else is replaced. Pure.
 */
export function strategicMerge(base: Located, patch: Located, path: JsonPath, fail: Fail): Located {
  if ("fields" in patch && "fields" in base) {
    const fields = emptyMap<Located>();
    Object.assign(fields, base.fields);
    for (const [key, value] of Object.entries(patch.fields)) {
      if ("value" in value && value.value === null) delete fields[key];
      else
        fields[key] = Object.hasOwn(base.fields, key)
          ? strategicMerge(base.fields[key]!, value, [...path, key], fail)
          : withoutDirectives(value);
    }
    return { at: base.at, fields };
  }
  const field = String(path[path.length - 1] ?? "");
  const listKey = LIST_KEYS[field];
  if ("items" in patch && "items" in base && listKey !== undefined) return mergeList(base, patch, field, listKey, path, fail);
  return withoutDirectives(patch);
}

function mergeList(
  base: Located & { items: Located[] },
  patch: Located & { items: Located[] },
  field: string,
  listKey: string,
  path: JsonPath,
  fail: Fail,
): Located {
  const items = [...base.items];
  const identity = (item: Located) => (nodeAt(item, [listKey]) as { value?: JsonValue } | undefined)?.value;
  for (const item of patch.items) {
    const id = identity(item);
    if (!("fields" in item) || id === undefined || id === null) {
      fail(item.at, `an item of ${field} in a patch must name its ${listKey}, the field that says which item it changes`);
      continue;
    }
    const directive = (nodeAt(item, [DIRECTIVE]) as { value?: JsonValue } | undefined)?.value;
    const index = items.findIndex((existing) => identity(existing) === id);
    if (directive === "delete") {
      if (index < 0)
        fail(item.at, `${field} has no item with ${listKey} ${JSON.stringify(id)} to delete (there are: ${describeIds(items, identity)})`);
      else items.splice(index, 1);
    } else if (index >= 0) {
      items[index] = strategicMerge(items[index]!, withoutOwnDirective(item), [...path, index], fail);
    } else if (ADD_NEEDS_DIRECTIVE.has(field) && directive !== "add") {
      fail(
        item.at,
        `the patch targets ${listKey} ${JSON.stringify(id)} in ${field}, which ` +
          `the base does not define (there are: ${describeIds(items, identity)}): ` +
          `fix the name, or write \`$patch: add\` in the item to add it`,
      );
    } else if (directive !== undefined && directive !== "add") {
      fail(item.at, `unknown $patch directive ${JSON.stringify(directive)}: use delete or add`);
    } else {
      items.push(withoutDirectives(item));
    }
  }
  return { at: base.at, items };
}

function describeIds(items: readonly Located[], identity: (item: Located) => JsonValue | undefined): string {
  const ids = items.map(identity).filter((id) => id !== undefined);
  return ids.length === 0 ? "none" : ids.map((id) => JSON.stringify(id)).join(", ");
}

/** The item without its own `$patch` (its nested lists keep theirs: they are merged next). */
function withoutOwnDirective(node: Located): Located {
  if (!("fields" in node)) return node;
  const fields = emptyMap<Located>();
  for (const [key, value] of Object.entries(node.fields)) if (key !== DIRECTIVE) fields[key] = value;
  return { at: node.at, fields };
}

function withoutDirectives(node: Located): Located {
  if ("fields" in node) {
    const fields = emptyMap<Located>();
    for (const [key, value] of Object.entries(node.fields)) if (key !== DIRECTIVE) fields[key] = withoutDirectives(value);
    return { at: node.at, fields };
  }
  if ("items" in node) return { at: node.at, items: node.items.map(withoutDirectives) };
  return node;
}

export type LocatedOperation = { operation: Operation; at: SourcePosition };

/**
 * RFC 6902 operations on a document, through fast-json-patch (pointer escaping, `test`, `move`,
 * `copy` and the edge cases of `-` are its well-tested business). A node the operations wrote is
 * located at the operation's line; every other node keeps where it was written. Pure.
 */
export function applyJsonPatch(doc: Located, operations: readonly LocatedOperation[], fail: Fail): Located {
  let current = doc;
  for (const { operation, at } of operations) {
    let result: JsonValue;
    try {
      result = fastJsonPatch.applyPatch(toJson(current), [operation], true, false, true).newDocument as JsonValue;
    } catch (error) {
      const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
      fail(at, `JSON patch ${operation.op} ${operation.path} cannot be applied: ${why}`);
      continue;
    }
    const written = "path" in operation ? pointerPath(operation.path) : [];
    current = relocate(result, current, written, at);
  }
  return current;
}

function relocate(value: JsonValue, before: Located, written: readonly string[], at: SourcePosition, path: string[] = []): Located {
  const under = written.every((step, i) => path[i] === step) && path.length >= written.length;
  if (under) return locateAt(value, at);
  const here = nodeAt(before, path)?.at ?? at;
  if (Array.isArray(value)) return { at: here, items: value.map((item, i) => relocate(item, before, written, at, [...path, String(i)])) };
  if (value !== null && typeof value === "object") {
    const fields = emptyMap<Located>();
    for (const [key, item] of Object.entries(value)) fields[key] = relocate(item, before, written, at, [...path, key]);
    return { at: here, fields };
  }
  return { at: here, value };
}

function pointerPath(pointer: string): string[] {
  return pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((step) => step.replace(/~1/g, "/").replace(/~0/g, "~"));
}
