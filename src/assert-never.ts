import { EcsGitopsError } from "./errors.js";

/**
 * Exhaustiveness guard: the compiler proves the `default` of a `switch` over a union unreachable,
 * so a new member fails to compile where it is not handled. Reached anyway (data from outside the
 * type system), it is a bug in ecs-gitops: Internal, naming what was not handled.
 */
export function assertNever(value: never, what = "value", where?: string): never {
  const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
  throw new EcsGitopsError(
    "Internal",
    `unhandled ${what} ${shown}: this is a bug in ecs-gitops, please report it`,
    where === undefined ? {} : { where },
  );
}
