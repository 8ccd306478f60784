import { isJsonObject } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";

/*
 * A value `ecs-gitops import` could not fill in (an ecspresso `{{ must_env `X` }}`): manifests
 * have no variables yet, so the import writes this marker and a `# review:` note, and loading
 * refuses the marker until someone writes the real value. `${X}` alone would not do: it is a
 * legitimate string in commands and health checks.
 */
const MARKER = /<unset: \$\{([A-Za-z_][A-Za-z0-9_]*)\}>/;

export function placeholderFor(variable: string): string {
  return `<unset: \${${variable}}>`;
}

/** Every string holding a placeholder, with its path and variable. Pure. */
export function findPlaceholders(value: JsonValue, at: JsonPath = []): { path: JsonPath; variable: string }[] {
  if (typeof value === "string") {
    const match = MARKER.exec(value);
    return match?.[1] ? [{ path: at, variable: match[1] }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, [...at, i]));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([key, item]) => findPlaceholders(item, [...at, key]));
  return [];
}
