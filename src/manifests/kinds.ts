import { kindSpecSchemas } from "./schema/aws-schema.generated.js";

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
const ECS_NAME = { pattern: /^[A-Za-z0-9_-]{1,255}$/, text: "1-255 letters, digits, hyphens or underscores" };
const RULE_NAME = { pattern: /^[.\-_A-Za-z0-9]{1,64}$/, text: "1-64 letters, digits, dots, hyphens or underscores" };
// xref: Scheduler CreateSchedule `Name` pattern [0-9a-zA-Z-_.]+, 1-64.
const SCHEDULE_NAME = RULE_NAME;
// Free (the scalable target is identified by spec.resourceId); kept to what a resource key can hold.
const SCALABLE_TARGET_NAME = { pattern: /^[.\-_A-Za-z0-9]{1,255}$/, text: "1-255 letters, digits, dots, hyphens or underscores" };

/**
 * The kinds the engine manages, one line each, in plan order. The loader reads this table and
 * the plug-ins (registry.ts) never meet it at run time, so manifests and resources import each
 * other in one direction only. registry.ts must hold a plug-in for exactly these names: its
 * `satisfies` fails to compile otherwise.
 */
export const KIND_DESCRIPTORS = {
  TaskDefinition: { schema: kindSpecSchemas.TaskDefinition, name: ECS_NAME },
  Service: {
    schema: kindSpecSchemas.Service,
    name: ECS_NAME,
    scope: { field: "cluster", arn: { service: "ecs", type: "cluster" }, defaultValue: "default", fromSettings: "defaultCluster" },
  },
  ScheduledRule: {
    schema: kindSpecSchemas.ScheduledRule,
    name: RULE_NAME,
    scope: { field: "eventBusName", arn: { service: "events", type: "event-bus" }, defaultValue: "default" },
  },
  Schedule: {
    schema: kindSpecSchemas.Schedule,
    name: SCHEDULE_NAME,
    scope: { field: "groupName", arn: { service: "scheduler", type: "schedule-group" }, defaultValue: "default" },
    defsPrefix: "scheduler.",
  },
  ScalableTarget: { schema: kindSpecSchemas.ScalableTarget, name: SCALABLE_TARGET_NAME, defsPrefix: "autoscaling." },
} as const satisfies Record<string, KindDescriptor>;

export type Kind = keyof typeof KIND_DESCRIPTORS;

/** Every kind, in the order written above. */
export const KINDS = Object.keys(KIND_DESCRIPTORS) as readonly Kind[];

export function descriptorOf(kind: Kind): KindDescriptor {
  return KIND_DESCRIPTORS[kind];
}
