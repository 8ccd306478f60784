import type { MiddlewareStack } from "@smithy/types";

/** The SDK's own switch for its Node.js support warning. */
const SDK_SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
/** The first Node.js major the SDK's releases after the first week of January 2027 support. */
const SDK_MIN_NODE_MAJOR = 22;

let state: "idle" | "deferred" | "done" = "idle";
let silencedByUser = false;

/**
 * The SDK checks the Node.js version when a client is constructed and prints a 9-line warning
 * (process.emitWarning) once per copy of @aws-sdk/core it loads: also in commands that end before
 * any AWS call (`diff` on a broken manifest). Its own check is switched off here, before the first
 * client; `warnNodeVersionOnce` says the same thing in one line at the first real AWS call.
 */
export function deferSdkNodeWarning(): void {
  if (state !== "idle") return;
  silencedByUser = process.env[SDK_SWITCH] === "true";
  process.env[SDK_SWITCH] = "true";
  state = "deferred";
}

/** At most once per process, and never when the user set the SDK's switch. */
export function warnNodeVersionOnce(version: string = process.version): void {
  if (state === "done") return;
  state = "done";
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (silencedByUser || !(major < SDK_MIN_NODE_MAJOR)) return;
  process.emitWarning(
    `AWS SDK for JavaScript v3 releases after the first week of January 2027 ` +
      `require Node.js >= ${SDK_MIN_NODE_MAJOR}; this is Node.js ${version}. ` +
      `Set ${SDK_SWITCH}=true to hide this.`,
    { type: "NodeVersionSupportWarning" },
  );
}

export function applyNodeVersionWarning<I extends object, O extends object>(stack: MiddlewareStack<I, O>): void {
  stack.add(
    (next) => async (args) => {
      warnNodeVersionOnce();
      return next(args);
    },
    { step: "initialize", name: "ecsGitopsNodeVersionWarning", override: true },
  );
}
