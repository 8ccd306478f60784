import { isJsonObject } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";

/*
 * A value `ecs-gitops import` takes from an ecspresso template (`{{ must_env `X` }}`) becomes the
 * variable `${X}`: validate fails until X is defined under `vars:` in ecs-gitops.yaml, and
 * `{fromEnv: X}` there keeps reading the environment variable as ecspresso did.
 */
const REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/;

export function placeholderFor(variable: string): string {
  return `\${${variable}}`;
}

/** Every string holding a variable reference, with its path and variable. Pure. */
export function findPlaceholders(value: JsonValue, at: JsonPath = []): { path: JsonPath; variable: string }[] {
  if (typeof value === "string") {
    const match = REFERENCE.exec(value);
    return match?.[1] ? [{ path: at, variable: match[1] }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, [...at, i]));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([key, item]) => findPlaceholders(item, [...at, key]));
  return [];
}
