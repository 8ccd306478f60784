import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { JsonObject } from "../json.js";
import type { CallAccounting } from "./call-accounting.js";
import type { LazyClient } from "./lazy-client.js";
import type { RateLimiter } from "./rate-limit.js";
import type { WriteFence } from "./write-fence.js";

// The client set's shape alone: the calls (ecs-read.ts, codedeploy.ts) and the landed check that
// clients.ts installs take it without importing clients.ts back.
export type AwsClients = {
  readonly ecs: ECSClient;
  readonly events: EventBridgeClient;
  /** Built, and its SDK module imported, on first use like the next two: most fleets never need them. */
  readonly scheduler: LazyClient<SchedulerClient>;
  readonly autoscaling: LazyClient<ApplicationAutoScalingClient>;
  /** Blue/green (CODE_DEPLOY) services deploy through it (codedeploy.ts). */
  readonly codedeploy: LazyClient<CodeDeployClient>;
  readonly calls: CallAccounting;
  /**
   * The Resource Groups Tagging API client, configured like the other two, made (and its module
   * loaded) on first use: most processes never need it, and each SDK client costs memory.
   */
  readonly tagging: () => Promise<ResourceGroupsTaggingAPIClient>;
  /** The pacing both clients share; undefined when created with `rateLimit: false`. */
  readonly rateLimiter?: RateLimiter | undefined;
  /**
   * Checked before every attempt of a write of a resource (write-fence.ts): undefined lets it go,
   * a reason stops it. High availability sets it to "this replica still holds the resource's lease".
   */
  readonly writeFence?: WriteFence | undefined;
  /** How long the lease covering a resource stays valid (ms): a write attempt's request timeout is cut to it (dispatch-fence.ts). */
  readonly writeWindowMs?: ((key: string) => number) | undefined;
  /**
   * Makes each whole listing of a bus's rules (`list` sends the ListRules pages) and may note its
   * answer: the controller's reconcile reader sets it, so its prune pass reuses the wave's pages
   * (src/controller/reconcile-sightings.ts).
   */
  readonly listRulesVia?: ((bus: string, list: () => Promise<JsonObject[]>) => Promise<JsonObject[]>) | undefined;
  /** Awaited before a batch of writes (src/engine/applier.ts): high availability renews short lease windows then. */
  readonly beforeWrites?: ((keys: readonly string[]) => Promise<void>) | undefined;
};
