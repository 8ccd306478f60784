import {
  DeleteScalingPolicyCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand as EcsTagResourceCommand,
  UntagResourceCommand as EcsUntagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import {
  DeleteRuleCommand,
  TagResourceCommand as EventsTagResourceCommand,
  UntagResourceCommand as EventsUntagResourceCommand,
  PutRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { own } from "../json.js";
import type { JsonObject } from "../json.js";
import type { WriteOperation } from "./write-operation.js";
import type { AwsClients } from "./clients.js";

/** An SDK command class; its input type is the plan's business (see sdkInput in write.ts). */
type CommandClass = new (input: never) => unknown;
type PlainClient = "ecs" | "events" | "autoscaling";

/**
 * The writes that are one SDK command sent with the plan's input as it stands, by the client that
 * sends them. The others have an arm of their own: PutTargets and RemoveTargets answer per-entry
 * failures, the Scheduler wants dates as Date objects, CodeDeploy is its own module.
 */
const PLAIN_WRITES = {
  ecs: {
    "ecs:RegisterTaskDefinition": RegisterTaskDefinitionCommand,
    "ecs:CreateService": CreateServiceCommand,
    "ecs:UpdateService": UpdateServiceCommand,
    "ecs:DeleteService": DeleteServiceCommand,
    "ecs:DeregisterTaskDefinition": DeregisterTaskDefinitionCommand,
    "ecs:TagResource": EcsTagResourceCommand,
    "ecs:UntagResource": EcsUntagResourceCommand,
  },
  events: {
    "events:PutRule": PutRuleCommand,
    "events:DeleteRule": DeleteRuleCommand,
    "events:TagResource": EventsTagResourceCommand,
    "events:UntagResource": EventsUntagResourceCommand,
  },
  autoscaling: {
    "application-autoscaling:RegisterScalableTarget": RegisterScalableTargetCommand,
    "application-autoscaling:PutScalingPolicy": PutScalingPolicyCommand,
    "application-autoscaling:DeleteScalingPolicy": DeleteScalingPolicyCommand,
  },
} as const satisfies Record<PlainClient, Partial<Record<WriteOperation, CommandClass>>>;

export type PlainWrite = { [C in PlainClient]: keyof (typeof PLAIN_WRITES)[C] }[PlainClient];

const CLIENT_OF = new Map<string, PlainClient>(
  (Object.keys(PLAIN_WRITES) as PlainClient[]).flatMap((client) => Object.keys(PLAIN_WRITES[client]).map((op) => [op, client] as const)),
);

export function isPlainWrite(operation: WriteOperation): operation is PlainWrite {
  return CLIENT_OF.has(operation);
}

/** Sends one plain write and returns the SDK's answer. */
export function sendPlainWrite(clients: AwsClients, operation: PlainWrite, input: JsonObject): Promise<unknown> {
  const client = CLIENT_OF.get(operation) as PlainClient;
  const Command = own<CommandClass>(PLAIN_WRITES[client], operation) as CommandClass;
  // The client and the command come from the same row: the command is one this client sends.
  const sender = clients[client] as { send(command: unknown): Promise<unknown> };
  return sender.send(new Command(input as never));
}
