import type { AwsService } from "../aws/call-accounting.js";
import { registerThrottleCategories } from "../aws/rate-limit.js";
import type { ThrottleCategory, ThrottledCall } from "../aws/rate-limit.js";
import type { AwsWriteOperation } from "../aws/write-operation.js";
import { registerWriteRetries } from "../aws/write-retry.js";
import type { WriteRetry } from "../aws/write-retry.js";
import type { JsonObject } from "../json.js";
import type { ReadCache } from "./live-snapshot.js";

export type { LatestRevision } from "./task-definition/read-cache.js";

/** The reader's caches between waves (src/engine/live-cache.ts), which our own writes keep true. */
export type WriteCache = ReadCache & { accountId: string | undefined };

/** A write as apply sent it (placeholders replaced). */
export type SentWrite = { readonly operation: string; readonly input: JsonObject };

/** What one of a kind's writes makes stale in the reader's cache, once AWS answered it or once it failed (it may have landed). */
export type WriteStaleness = {
  written?(cache: WriteCache, call: SentWrite, output: JsonObject): void;
  failed?(cache: WriteCache, call: SentWrite): void;
};

/** One write a kind's plans may call: `service:Command`, sent by src/aws as that SDK command with the plan's input. */
export type KindWrite = {
  /** The token bucket AWS throttles it against; undefined: not paced (CodeDeploy). */
  readonly throttle: ThrottleCategory | undefined;
  /** May it be sent again after a lost answer (src/aws/write-retry.ts)? */
  readonly retry: WriteRetry;
  /** Undefined: nothing the reader caches; the kind's own read sees the change next time. */
  readonly stale: WriteStaleness | undefined;
};

/** A kind's writes by operation; only SDK commands src/aws can send (src/aws/sdk-command.ts) compile. */
export type KindWrites = { readonly [Operation in AwsWriteOperation]?: KindWrite };

/** One write's declaration; `stale` left out: nothing the reader caches changes with it. */
export function kindWrite(throttle: ThrottleCategory | undefined, retry: WriteRetry, stale?: WriteStaleness): KindWrite {
  return { throttle, retry, stale };
}

/** The string at `key`, if any. */
export function stringAt(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

/** The strings of the list at `key`. */
export function stringsAt(object: JsonObject, key: string): string[] {
  const value = object[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

const DECLARED = new Map<string, KindWrite>();

/** `ecs:CreateService` → the service and the command (`CreateService`). */
function splitOperation(operation: string): { service: AwsService; command: string } {
  const colon = operation.indexOf(":");
  return { service: operation.slice(0, colon) as AwsService, command: operation.slice(colon + 1) };
}

/**
 * Hands a kind's writes to src/aws, which cannot import the plug-ins: each is paced in its bucket
 * and retried as declared. A write two kinds declare must be the one declaration, shared (as
 * ECS_TAG_WRITES); two different ones stop the process at start-up.
 */
export function registerKindWrites(kind: string, writes: KindWrites): void {
  const entries = Object.entries(writes) as [AwsWriteOperation, KindWrite][];
  for (const [operation, write] of entries) {
    const known = DECLARED.get(operation);
    if (known !== undefined && known !== write)
      throw new Error(`${kind} declares ${operation}, which another kind declares differently: share one declaration of it`);
    DECLARED.set(operation, write);
  }
  const paced = entries.flatMap(([operation, write]): ThrottledCall[] => {
    const { service, command } = splitOperation(operation);
    return write.throttle === undefined ? [] : [{ service, operation: command, throttle: write.throttle }];
  });
  registerThrottleCategories(kind, paced);
  registerWriteRetries(kind, Object.fromEntries(entries.map(([operation, write]) => [operation, write.retry])));
}

/** The declaration of a registered write (undefined: no kind declares it). */
export function declaredWrite(operation: string): KindWrite | undefined {
  return DECLARED.get(operation);
}
