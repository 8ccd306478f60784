import type { DeserializeHandlerArguments, HandlerExecutionContext, InitializeHandlerArguments, MiddlewareStack } from "@smithy/types";
import { isThrottlingError } from "./classify.js";

/** Which client a call went through: the prefix of its IAM action (`ecs:DescribeServices`). */
export type AwsService = "ecs" | "events" | "tag" | "scheduler" | "application-autoscaling" | "codedeploy";
export type CallKind = "read" | "write";

/** Per operation. `calls` are logical SDK `send`s; `attempts` include the SDK's own retries. */
export type OperationStats = {
  kind: CallKind;
  calls: number;
  attempts: number;
  /** Logical calls that failed after the SDK's retries. */
  errors: number;
  /** Attempts answered with any error (each retried throttle or 5xx counts once). */
  attemptErrors: number;
  /** Attempts answered with throttling. */
  throttles: number;
  /** Retries of a non-idempotent write preceded by asking AWS whether the earlier attempt landed. */
  landedChecks: number;
  /** …of which found it had: the call succeeded without sending the write again. */
  landedFound: number;
};

/** Flat, JSON-ready totals for `--stats`, tests and benchmarks. */
export type CallSnapshot = {
  /** Logical read calls (Describe*, List*, Get*). */
  reads: number;
  /** Logical write calls (everything else). */
  writes: number;
  attempts: number;
  errors: number;
  throttles: number;
  /** Keyed `ecs:DescribeServices`, sorted by key. */
  byOperation: Record<string, OperationStats>;
};

const READ_PREFIXES = ["Describe", "List", "Get"];

/** Reads only look (Describe*, List*, Get*); everything else changes something. */
export function callKindOf(operationName: string): CallKind {
  return READ_PREFIXES.some((prefix) => operationName.startsWith(prefix)) ? "read" : "write";
}

function emptyStats(kind: CallKind): OperationStats {
  return { kind, calls: 0, attempts: 0, errors: 0, attemptErrors: 0, throttles: 0, landedChecks: 0, landedFound: 0 };
}

function operationName(context: HandlerExecutionContext): string {
  return (context.commandName ?? "Unknown").replace(/Command$/, "");
}

/**
 * Counts AWS calls per operation, split into reads and writes, as SDK middleware: one counter at
 * the `initialize` step (once per logical call, outside the SDK's retry loop) and one at the
 * `deserialize` step (inside the retry loop, so once per attempt). Tests assert "zero writes",
 * `--stats` prints it, benchmarks compare it.
 */
/** Told of every logical call when it settles (metrics); must not throw. */
export type CallListener = (call: { operation: string; kind: CallKind; outcome: "ok" | "error" | "throttled" }) => void;

export class CallAccounting {
  readonly #operations = new Map<string, OperationStats>();
  readonly #listeners: CallListener[] = [];

  onCall(listener: CallListener): void {
    this.#listeners.push(listener);
  }

  /** Installs the counting middleware on a client's stack. */
  applyTo<I extends object, O extends object>(stack: MiddlewareStack<I, O>, service: AwsService): void {
    stack.add(
      (next, context) => async (args: InitializeHandlerArguments<I>) => {
        const operation = `${service}:${operationName(context)}`;
        const stats = this.#statsFor(service, operationName(context));
        stats.calls += 1;
        try {
          const output = await next(args);
          this.#notify(operation, stats.kind, "ok");
          return output;
        } catch (error) {
          stats.errors += 1;
          this.#notify(operation, stats.kind, isThrottlingError(error) ? "throttled" : "error");
          throw error;
        }
      },
      { step: "initialize", priority: "high", name: "ecsGitopsCallAccounting", override: true },
    );
    stack.add(
      (next, context) => async (args: DeserializeHandlerArguments<I>) => {
        const stats = this.#statsFor(service, operationName(context));
        stats.attempts += 1;
        try {
          return await next(args);
        } catch (error) {
          stats.attemptErrors += 1;
          if (isThrottlingError(error)) stats.throttles += 1;
          throw error;
        }
      },
      { step: "deserialize", priority: "high", name: "ecsGitopsAttemptAccounting", override: true },
    );
  }

  /** A retry of `operation` (`ecs:RegisterTaskDefinition`) first asked whether the earlier attempt landed. */
  noteLandedCheck(operation: string, landed: boolean): void {
    const [service, name] = operation.split(":") as [AwsService, string];
    const stats = this.#statsFor(service, name);
    stats.landedChecks += 1;
    if (landed) stats.landedFound += 1;
  }

  /** Logical read calls so far (all operations, or one: `reads("ecs:DescribeServices")`). */
  reads(operation?: string): number {
    return this.#sum("read", operation);
  }

  /** Logical write calls so far (all operations, or one). */
  writes(operation?: string): number {
    return this.#sum("write", operation);
  }

  /** Logical calls of one operation, e.g. `calls("ecs:DescribeServices")`. */
  calls(operation: string): number {
    return this.#operations.get(operation)?.calls ?? 0;
  }

  snapshot(): CallSnapshot {
    const snapshot: CallSnapshot = { reads: 0, writes: 0, attempts: 0, errors: 0, throttles: 0, byOperation: {} };
    for (const key of [...this.#operations.keys()].sort()) {
      const stats = this.#operations.get(key);
      if (stats === undefined) continue;
      snapshot.byOperation[key] = { ...stats };
      if (stats.kind === "read") snapshot.reads += stats.calls;
      else snapshot.writes += stats.calls;
      snapshot.attempts += stats.attempts;
      snapshot.errors += stats.errors;
      snapshot.throttles += stats.throttles;
    }
    return snapshot;
  }

  reset(): void {
    this.#operations.clear();
  }

  #notify(operation: string, kind: CallKind, outcome: "ok" | "error" | "throttled"): void {
    for (const listener of this.#listeners) listener({ operation, kind, outcome });
  }

  #sum(kind: CallKind, operation: string | undefined): number {
    let total = 0;
    for (const [key, stats] of this.#operations) {
      if (stats.kind === kind && (operation === undefined || key === operation)) total += stats.calls;
    }
    return total;
  }

  #statsFor(service: AwsService, name: string): OperationStats {
    const key = `${service}:${name}`;
    let stats = this.#operations.get(key);
    if (stats === undefined) {
      stats = emptyStats(callKindOf(name));
      this.#operations.set(key, stats);
    }
    return stats;
  }
}
