import { createHash } from "node:crypto";
import type { FinalizeRequestMiddleware, HandlerExecutionContext, MiddlewareStack } from "@smithy/types";
import { isJsonObject } from "../json.js";
import type { JsonObject, JsonValue } from "../json.js";
import { epochMs } from "../time.js";
import type { AwsService, CallAccounting } from "./call-accounting.js";
import type { AwsClients } from "./client-set.js";
import { describeServices, describeTaskDefinition } from "./ecs-read.js";
import { landedDeployment } from "./on-first-use.js";
import { declaredRetry } from "./write-retry.js";

/**
 * Writes AWS does not make idempotent on its own: sent twice, they create two things. A lost
 * response (a 5xx after AWS applied it, a reset connection, a timeout on a slow but successful
 * call, a throttle answered by a proxy after the request went through) makes the SDK send the
 * same request again. Before every such retry, ask AWS whether the earlier attempt landed.
 */
type LandedCheck = (clients: AwsClients, input: JsonObject, firstSentAtMs: number) => Promise<JsonObject | undefined>;

const CHECKS: Readonly<Record<string, LandedCheck>> = {
  "ecs:RegisterTaskDefinition": landedRevision,
  "ecs:CreateService": landedService,
  "ecs:UpdateService": landedForcedDeployment,
  "codedeploy:CreateDeployment": landedDeployment,
};

// Our clock against AWS's createdAt: a deployment this much older than our first attempt is not ours.
const FORCED_DEPLOYMENT_SKEW_MS = 30_000;

/**
 * A forceNewDeployment sent twice starts two deployments (restart). Landed: the service's PRIMARY
 * deployment began after our first attempt went out (a deployment someone else started in that
 * window replaces the tasks too, which is all a restart asks). Other updates are idempotent.
 */
async function landedForcedDeployment(clients: AwsClients, input: JsonObject, firstSentAtMs: number): Promise<JsonObject | undefined> {
  const name = stringAt(input, "service");
  if (input["forceNewDeployment"] !== true || name === undefined) return undefined;
  const described = await describeServices(clients, stringAt(input, "cluster") ?? "default", [name]);
  const service = described.services.get(name);
  const deployments = Array.isArray(service?.["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  const primary = deployments.find((d) => d["status"] === "PRIMARY");
  const createdMs = epochMs(primary?.["createdAt"]);
  return service !== undefined && createdMs !== undefined && createdMs >= firstSentAtMs - FORCED_DEPLOYMENT_SKEW_MS
    ? { service }
    : undefined;
}

/** Operations whose retries are preceded by a landed check. */
export function isCheckedBeforeRetry(operation: string): boolean {
  return CHECKS[operation] !== undefined;
}

/**
 * ECS remembers a CreateService `clientToken` and answers a repeat with the service it created,
 * so a lost response never makes a second service on AWS. Derived from the input, a replan of the
 * same commit after a failure sends the same token (ECS allows 36 characters).
 */
export function withClientToken(operation: string, input: JsonObject): JsonObject {
  if (operation !== "ecs:CreateService" || typeof input["clientToken"] === "string") return input;
  return { ...input, clientToken: createHash("sha256").update(JSON.stringify(input)).digest("hex").slice(0, 36) };
}

function stringAt(input: JsonObject, key: string): string | undefined {
  const value = input[key];
  return typeof value === "string" ? value : undefined;
}

/** `[{key,value}]` as sent; a landed resource carries every one of them (owner, source, spec hash, commit). */
function carriesAll(sent: JsonValue | undefined, live: JsonValue | undefined): boolean {
  if (!Array.isArray(sent) || sent.length === 0 || !Array.isArray(live)) return false;
  const have = new Map<unknown, unknown>();
  for (const tag of live) if (isJsonObject(tag)) have.set(tag["key"], tag["value"]);
  return sent.every((tag) => isJsonObject(tag) && have.get(tag["key"]) === tag["value"]);
}

/** The family's latest ACTIVE revision, if it carries exactly the tags this registration sent. */
async function landedRevision(clients: AwsClients, input: JsonObject): Promise<JsonObject | undefined> {
  const family = stringAt(input, "family");
  if (family === undefined) return undefined;
  const latest = await describeTaskDefinition(clients, family);
  if (latest === undefined || !carriesAll(input["tags"], latest["tags"])) return undefined;
  return { taskDefinition: latest["taskDefinition"] ?? null, tags: latest["tags"] ?? [] };
}

/** The service, if it exists and carries exactly the tags this CreateService sent. */
async function landedService(clients: AwsClients, input: JsonObject): Promise<JsonObject | undefined> {
  const name = stringAt(input, "serviceName");
  if (name === undefined) return undefined;
  const described = await describeServices(clients, stringAt(input, "cluster") ?? "default", [name]);
  const service = described.services.get(name);
  return service !== undefined && carriesAll(input["tags"], service["tags"]) ? { service } : undefined;
}

function operationOf(service: AwsService, context: HandlerExecutionContext): string {
  return `${service}:${(context.commandName ?? "Unknown").replace(/Command$/, "")}`;
}

/**
 * Installs the check inside the SDK's retry loop (right after the retry middleware): the first
 * attempt goes out as is; each later attempt first runs the check, and if the earlier attempt
 * landed, the call succeeds with what AWS holds instead of sending again. If the check itself
 * fails, the earlier attempt's error stands (the SDK may try again, checking again).
 */
export function applyLandedCheck<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  service: AwsService,
  clients: () => AwsClients,
  calls: CallAccounting,
): void {
  const middleware: FinalizeRequestMiddleware<I, O> = (next, context) => {
    const operation = operationOf(service, context);
    const check = CHECKS[operation];
    if (check === undefined && declaredRetry(operation) !== "check-landed") return next;
    let attempts = 0;
    let firstSentAtMs = 0;
    let lastError: unknown;
    return async (args) => {
      attempts += 1;
      if (attempts === 1) firstSentAtMs = Date.now();
      if (attempts > 1) {
        // Declared `check-landed` with no check here: it may have landed and nothing can tell, so it is never sent twice.
        if (check === undefined) throw lastError;
        let landed: JsonObject | undefined;
        try {
          landed = await check(clients(), args.input as unknown as JsonObject, firstSentAtMs);
        } catch {
          throw lastError;
        }
        calls.noteLandedCheck(operation, landed !== undefined);
        if (landed !== undefined) return { response: {}, output: { ...landed, $metadata: {} } as unknown as O };
      }
      try {
        return await next(args);
      } catch (error) {
        lastError = error;
        throw error;
      }
    };
  };
  stack.addRelativeTo(middleware, { relation: "after", toMiddleware: "retryMiddleware", name: "ecsGitopsLandedCheck", override: true });
}
