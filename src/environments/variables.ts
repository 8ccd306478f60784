import { isJsonObject } from "../json.js";
import type { JsonPrimitive, JsonValue } from "../json.js";
import type { SourcePosition } from "../manifests/types.js";
import { mapStrings } from "./located.js";
import type { Located } from "./located.js";
import type { Fail } from "./merge.js";

/** Where a variable's value comes from, as written under `vars:` in ecs-gitops.yaml. */
export type VariableSource =
  | { type: "literal"; value: string | number | boolean; at: SourcePosition }
  | { type: "fromEnv"; name: string; at: SourcePosition }
  | { type: "fromSsm"; name: string; at: SourcePosition };

/** A resolved value; `secret` for an SSM SecureString, which output must never show. */
export type VariableValue = { value: string | number | boolean; secret: boolean };
/** Variables whose value is not known offline (SSM in `validate`): `${X}` is left as written. */
export const DEFERRED = Symbol("deferred");
/** Variables whose source failed (reported once, at the `vars:` entry): documents using them are left out. */
export const FAILED = Symbol("failed");
export type Resolved = ReadonlyMap<string, VariableValue | typeof DEFERRED | typeof FAILED>;

// `$${X}` is a literal `${X}` (a shell variable in a health check command); `${X}` is a variable.
const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replace every `${NAME}` in the strings of a document. A value that is only `${NAME}` takes the
 * variable's type (a number stays a number: `desiredCount: ${COUNT}`). An undefined variable is
 * an error at the place it is used, never an empty string. Pure.
 */
export function substitute(node: Located, vars: Resolved, fail: Fail): { node: Located; complete: boolean } {
  let complete = true;
  const out = mapStrings(node, (text, at): JsonPrimitive => {
    if (!text.includes("${")) return text;
    const whole = WHOLE.exec(text);
    if (whole?.[1] !== undefined) {
      const found = vars.get(whole[1]);
      if (typeof found === "object") return found.value;
    }
    return text.replace(REFERENCE, (match, escaped: string, name: string) => {
      if (escaped === "$") return match.slice(1);
      const found = vars.get(name);
      if (found === DEFERRED) return match;
      if (found === FAILED) complete = false;
      else if (found === undefined) {
        complete = false;
        fail(
          at,
          `\${${name}} is not defined: add ${name} under vars: in the environment's ` +
            `ecs-gitops.yaml (a value, {fromEnv: NAME} or {fromSsm: /parameter/name}), ` +
            `or write $\${${name}} for a literal \${${name}}`,
        );
        return match;
      }
      return typeof found === "object" ? String(found.value) : match;
    });
  });
  return { node: out, complete };
}

/** The SSM parameters some variable reads (deduplicated): what one plan fetches. */
export function ssmNames(sources: ReadonlyMap<string, VariableSource>): string[] {
  return [...new Set([...sources.values()].flatMap((s) => (s.type === "fromSsm" ? [s.name] : [])))];
}

export type SsmValues = ReadonlyMap<string, { value: string; secure: boolean }>;

/**
 * Resolve every variable: literals as written, `fromEnv` from the process environment (only the
 * names listed, so that a commit cannot read the controller's other variables), `fromSsm` from
 * `ssm` (undefined offline: deferred). A missing source is an error at the `vars:` entry. Pure.
 */
export function resolveVariables(
  sources: ReadonlyMap<string, VariableSource>,
  env: NodeJS.ProcessEnv,
  ssm: SsmValues | undefined,
  fail: Fail,
): Map<string, VariableValue | typeof DEFERRED | typeof FAILED> {
  const out = new Map<string, VariableValue | typeof DEFERRED | typeof FAILED>();
  for (const [name, source] of sources) {
    if (source.type === "literal") out.set(name, { value: source.value, secret: false });
    else if (source.type === "fromEnv") {
      const value = env[source.name];
      // Reported once here, not again at every use.
      if (value === undefined)
        fail(
          source.at,
          `variable ${name} reads the environment variable ${source.name}, which ` +
            `is not set where ecs-gitops runs: set it (CI or the controller's environment)`,
        );
      out.set(name, value === undefined ? FAILED : { value, secret: false });
    } else if (ssm === undefined) out.set(name, DEFERRED);
    else {
      const found = ssm.get(source.name);
      if (found === undefined)
        fail(
          source.at,
          `variable ${name} reads SSM parameter ${source.name}, which does not exist ` +
            `in this account and region: create it, or fix the name`,
        );
      out.set(name, found === undefined ? FAILED : { value: found.value, secret: found.secure });
    }
  }
  return out;
}

/** `${` written as `$${`, so that a value read from AWS (a shell command's `${HOME}`) stays literal in a manifest. Pure. */
export function escapeVariables(value: JsonValue): JsonValue {
  if (typeof value === "string") return value.replaceAll("${", () => "$${");
  if (Array.isArray(value)) return value.map(escapeVariables);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeVariables(item)]));
  return value;
}
