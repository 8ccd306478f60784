import { canonicalJson, isJsonObject, setOwn } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";

/**
 * Drop what AWS treats as "not set": null/undefined (old console exports carry explicit nulls,
 * TD-5), empty lists (TD-12) and mappings left empty by that. `keepEmpty`
 * names keys whose empty mapping is meaningful (user maps such as dockerLabels stay as they are
 * inside, but an empty one is also "not set", so the default is to drop it). Pure.
 */
export function compact(value: JsonValue | undefined): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(compact).filter((v): v is JsonValue => v !== undefined && !(isJsonObject(v) && Object.keys(v).length === 0));
    return items.length === 0 ? undefined : items;
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const c = compact(v);
      if (c !== undefined) setOwn(out, key, c);
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** Sort a set-like list of mappings by one field (e.g. environment by name). Stable. */
export function sortByField(list: readonly JsonValue[], field: string): JsonValue[] {
  return [...list].sort((a, b) => compareText(fieldText(a, field), fieldText(b, field)) || compareText(canonicalJson(a), canonicalJson(b)));
}

/** Sort a set-like list by its canonical JSON text (subnets, mountPoints, constraints). */
export function sortCanonical(list: readonly JsonValue[]): JsonValue[] {
  return [...list].sort((a, b) => compareText(canonicalJson(a), canonicalJson(b)));
}

function fieldText(value: JsonValue, field: string): string {
  return isJsonObject(value) ? String(value[field] ?? "") : "";
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort the set-like list at `target[key]` in place: by one field, or by canonical JSON. */
export function sortList(target: JsonObject, key: string, field?: string): void {
  const list = target[key];
  if (Array.isArray(list)) target[key] = field === undefined ? sortCanonical(list) : sortByField(list, field);
}

/** Fill an AWS default where the value is unset (both sides get it, so omitted ≡ filled). */
export function fillDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined) target[key] = value;
}

/** A shallow copy of a mapping, or an empty one: normalizers edit what they return. */
export function objectCopy(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? { ...value } : {};
}

export { taskDefinitionRefOf as taskDefinitionRef } from "../../aws/arn.js";

/** xref: SV-12 — placement `field` compares case-insensitively, and `host` ≡ `instanceId` (Terraform). */
export function canonicalPlacementField(field: string): string {
  const lower = field.toLowerCase();
  if (lower === "host" || lower === "instanceid") return "instanceId";
  if (lower === "cpu" || lower === "memory" || lower.startsWith("attribute:ecs.")) return lower;
  return field;
}

/**
 * The members every ECS task launch carries (a service, a rule's target), in canonical form:
 * awsvpc subnets and security groups as sets with assignPublicIp filled, placement constraints as
 * a set, placement strategy in order with its field names canonical, capacity providers with their
 * defaults, by provider. In place.
 */
export function canonicalTaskLaunch(launch: JsonObject): void {
  canonicalNetwork(launch);
  canonicalPlacement(launch);
  canonicalCapacityProviders(launch);
}

function canonicalNetwork(launch: JsonObject): void {
  const network = launch["networkConfiguration"];
  const awsvpc = isJsonObject(network) ? network["awsvpcConfiguration"] : undefined;
  if (!isJsonObject(awsvpc)) return;
  // xref: docs/normalization.md#sv-7 — ecspresso; T TypeSet; assignPublicIp DISABLED in every fixture
  // created without it (ECS_AWSCLI_Fargate tutorial output).
  if (awsvpc["assignPublicIp"] === undefined) awsvpc["assignPublicIp"] = "DISABLED";
  sortList(awsvpc, "subnets");
  sortList(awsvpc, "securityGroups");
}

function canonicalPlacement(launch: JsonObject): void {
  sortList(launch, "placementConstraints"); // SV-13
  // xref: SV-12 — order is significant (rules apply in sequence; T keeps it, ecspresso's sort is a bug).
  const strategy = launch["placementStrategy"];
  if (!Array.isArray(strategy)) return;
  launch["placementStrategy"] = strategy.map((item) => {
    if (!isJsonObject(item) || typeof item["field"] !== "string") return item;
    return { ...item, field: canonicalPlacementField(item["field"]) };
  });
}

function canonicalCapacityProviders(launch: JsonObject): void {
  const strategy = launch["capacityProviderStrategy"];
  if (!Array.isArray(strategy)) return;
  // xref: CapacityProviderStrategyItem API reference — "If no value is specified, the default value
  // of 0 is used" for both base and weight; DescribeServices reports both (aws-cli update-service).
  launch["capacityProviderStrategy"] = sortByField(
    strategy.map((item) => (isJsonObject(item) ? { base: 0, weight: 0, ...item } : item)),
    "capacityProvider",
  );
}
