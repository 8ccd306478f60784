import { accountIdFromArn } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { kindWrite } from "../kind-writes.js";
import type { KindWrites, WriteCache } from "../kind-writes.js";
import { ECS_TAG_WRITES } from "../task-definition/writes.js";

/** A service's answer names the account: learned before anything else needs it. */
const LEARNS_ACCOUNT = {
  written: (cache: WriteCache, _call: unknown, output: JsonObject) => {
    const service = output["service"];
    const arn = isJsonObject(service) ? service["serviceArn"] : undefined;
    if (typeof arn === "string") cache.accountId ??= accountIdFromArn(arn);
  },
};

/**
 * A service's writes. CreateService sends a client token derived from its input (src/aws/landed-check.ts)
 * and an UpdateService that forces a new deployment starts one per send: both are checked before
 * a retry. CodeDeploy moves the service's revision itself; the next DescribeServices shows it.
 */
export const SERVICE_WRITES = {
  "ecs:CreateService": kindWrite("ecs:service-modify", "check-landed", LEARNS_ACCOUNT),
  "ecs:UpdateService": kindWrite("ecs:service-modify", "check-landed", LEARNS_ACCOUNT),
  "ecs:DeleteService": kindWrite("ecs:service-modify", "resend", LEARNS_ACCOUNT),
  "codedeploy:CreateDeployment": kindWrite(undefined, "check-landed"),
  ...ECS_TAG_WRITES,
} as const satisfies KindWrites;
