import type { IncomingMessage, ServerResponse } from "node:http";
import { EcsGitopsError } from "../errors.js";
import { KINDS } from "../manifests/types.js";
import type { SuspendState, SuspendTarget } from "../pause/suspensions.js";
import { HttpError, readBody, sendJson } from "./server.js";
import type { Route } from "./server.js";

export type PauseHandler = {
  suspend(target: SuspendTarget): Promise<SuspendState>;
  resume(target: SuspendTarget): Promise<SuspendState>;
};

const BODY_LIMIT_BYTES = 64 * 1024;
const MAX_KEYS = 1000;
const KEY_PATTERN = new RegExp(`^(${KINDS.join("|")})/[^\\s]{1,512}$`);

/** POST /api/suspend and /api/resume with `{"keys": [...]}` (absent or empty: every resource). */
export function pauseRoutes(handler: PauseHandler): ReadonlyMap<string, Route> {
  const route = (change: (target: SuspendTarget) => Promise<SuspendState>): Route => ({
    methods: ["POST"],
    handle: async (req, res) => answer(res, await unavailableAs503(change(await readTarget(req)))),
  });
  return new Map([
    ["/api/suspend", route((target) => handler.suspend(target))],
    ["/api/resume", route((target) => handler.resume(target))],
  ]);
}

/** With leases the suspensions live in DynamoDB: when it cannot be reached, say so (not a bare 500); sending again is harmless. */
async function unavailableAs503(change: Promise<SuspendState>): Promise<SuspendState> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof EcsGitopsError && error.code === "AwsUnavailable") throw new HttpError(503, error.message);
    throw error;
  }
}

function answer(res: ServerResponse, state: SuspendState): void {
  sendJson(res, 200, { suspended: state });
}

/** The body names the keys; anything else is a 400 that says what to send. */
async function readTarget(req: IncomingMessage): Promise<SuspendTarget> {
  const body = (await readBody(req, BODY_LIMIT_BYTES)).toString("utf8").trim();
  if (body === "") return "all";
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'the body must be JSON: {"keys": ["Service/<cluster>/<name>", …]} or empty for every resource');
  }
  const keys = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)["keys"] : value;
  if (keys === undefined) return "all";
  if (!Array.isArray(keys) || keys.length > MAX_KEYS || !keys.every((k) => typeof k === "string" && KEY_PATTERN.test(k)))
    throw new HttpError(
      400,
      `keys must be a list of at most ${MAX_KEYS} resource keys such as Service/<cluster>/<name>, ` +
        `TaskDefinition/<family>, ScheduledRule/<bus>/<name>`,
    );
  if (keys.length === 0) throw new HttpError(400, "keys is empty: name at least one resource key, or send {} for every resource");
  return keys as string[];
}
