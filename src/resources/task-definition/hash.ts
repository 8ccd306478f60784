import { createHash } from "node:crypto";
import { canonicalJson } from "../../json.js";
import type { JsonObject } from "../../json.js";

/**
 * Content hash of a NORMALIZED task definition (`normalizeTaskDefinition`): sha256 of its
 * canonical JSON, 32 hex characters (128 bits; fits an ECS tag value). Key order and filled
 * defaults cannot change it because both are canonicalized first. Pure.
 */
export function specHash(normalized: JsonObject): string {
  return createHash("sha256").update(canonicalJson(normalized)).digest("hex").slice(0, 32);
}
