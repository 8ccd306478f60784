/**
 * What the manifest loader needs of a kind before any plug-in is loaded (ACK keeps the same in a
 * kind's descriptor): the JSON schema of its spec, the rule its names follow, and the spec field
 * that scopes the name (a service lives in a cluster, a rule on an event bus).
 */
export type KindDescriptor = {
  /** The spec's JSON schema; `$ref`s point into the generated AWS definitions. */
  readonly schema: object;
  readonly name: { readonly pattern: RegExp; readonly text: string };
  /** Undefined: the name alone is the identity (a task definition family). */
  readonly scope?: {
    readonly field: string;
    /** The field may hold this kind of ARN instead of a name: the key uses the name either way. */
    readonly arn: { readonly service: string; readonly type: string };
    readonly defaultValue: string;
    readonly fromSettings?: "defaultCluster";
  };
  /**
   * The prefix of the generated definitions of this kind's own AWS API (scripts/gen-schema.py
   * prefixes each API's shapes): the schema check compiles only those. Undefined: the ECS and
   * EventBridge definitions, the ones no kind claims a prefix for.
   */
  readonly defsPrefix?: string;
};

// xref: ECS RegisterTaskDefinition `family` and CreateService `serviceName` (letters, numbers,
// hyphens, underscores, up to 255); EventBridge PutRule `Name` pattern [\.\-_A-Za-z0-9]+, max 64.
export const ECS_NAME = { pattern: /^[A-Za-z0-9_-]{1,255}$/, text: "1-255 letters, digits, hyphens or underscores" };
export const RULE_NAME = { pattern: /^[.\-_A-Za-z0-9]{1,64}$/, text: "1-64 letters, digits, dots, hyphens or underscores" };
