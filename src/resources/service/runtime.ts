import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { count, text } from "../common/runtime-fields.js";

/** What DescribeServices said at the last look: the counts and the rollout of each deployment. */
export type ServiceRuntime = {
  running?: number;
  desired?: number;
  pending?: number;
  deployments: { id?: string; status?: string; rolloutState?: string; rolloutStateReason?: string; taskDefinition?: string }[];
};

export function serviceRuntime(service: JsonObject): ServiceRuntime {
  const deployments = (Array.isArray(service.deployments) ? service.deployments : []).filter(isJsonObject).map((d) => ({
    ...text(d, "id", "id"),
    ...text(d, "status", "status"),
    ...text(d, "rolloutState", "rolloutState"),
    ...text(d, "rolloutStateReason", "rolloutStateReason"),
    ...text(d, "taskDefinition", "taskDefinition"),
  }));
  return {
    ...count(service, "running", "runningCount"),
    ...count(service, "desired", "desiredCount"),
    ...count(service, "pending", "pendingCount"),
    deployments,
  };
}
