import type * as autoscaling from "@aws-sdk/client-application-auto-scaling";
import type * as codedeploy from "@aws-sdk/client-codedeploy";
import type * as ecs from "@aws-sdk/client-ecs";
import type * as events from "@aws-sdk/client-eventbridge";
import type * as scheduler from "@aws-sdk/client-scheduler";
import { own } from "../json.js";
import type { JsonObject } from "../json.js";
import type { AwsService } from "./call-accounting.js";
import type { AwsClients } from "./clients.js";

/**
 * The client modules a write may go through, by the IAM prefix of its actions. A kind on one of
 * these APIs names its writes (`ecs:CreateService`) and they are sent by name: `CreateServiceCommand`
 * of this module, through the client below. A kind on another API adds its module here. Imported
 * on first use, as their clients are built (docs/scale.md#lazy-sdk-clients).
 */
const MODULES = {
  ecs: (): Promise<typeof ecs> => import("@aws-sdk/client-ecs"),
  events: (): Promise<typeof events> => import("@aws-sdk/client-eventbridge"),
  scheduler: (): Promise<typeof scheduler> => import("@aws-sdk/client-scheduler"),
  "application-autoscaling": (): Promise<typeof autoscaling> => import("@aws-sdk/client-application-auto-scaling"),
  codedeploy: (): Promise<typeof codedeploy> => import("@aws-sdk/client-codedeploy"),
} as const;

type Modules = { [S in keyof typeof MODULES]: Awaited<ReturnType<(typeof MODULES)[S]>> };

type WriteService = keyof typeof MODULES & AwsService;

const CLIENT_OF = {
  ecs: "ecs",
  events: "events",
  scheduler: "scheduler",
  "application-autoscaling": "autoscaling",
  codedeploy: "codedeploy",
} as const satisfies Record<WriteService, keyof AwsClients>;

/** The command names a client module exports (`CreateService` for `CreateServiceCommand`). */
type CommandNames<M> = {
  [E in keyof M & string]: E extends `${infer Name}Command` ? (M[E] extends new (input: never) => unknown ? Name : never) : never;
}[keyof M & string];

/** Every operation an SDK command exists for, `service:Command`: what a kind may declare as a write. */
export type SdkOperation = { [S in WriteService]: `${S}:${CommandNames<Modules[S]>}` }[WriteService];

type CommandClass = new (input: never) => unknown;

/** The service and SDK command class of `operation`, or undefined when no client module here exports it. */
async function commandOf(operation: string): Promise<{ service: WriteService; Command: CommandClass } | undefined> {
  const colon = operation.indexOf(":");
  const service = operation.slice(0, colon) as WriteService;
  const load = own<() => Promise<Record<string, unknown>>>(MODULES, service);
  const module = load === undefined ? undefined : await load();
  const Command = module === undefined ? undefined : own<unknown>(module, `${operation.slice(colon + 1)}Command`);
  return typeof Command === "function" ? { service, Command: Command as CommandClass } : undefined;
}

/** Whether `operation` names a command of a client module here (imports that module). */
export async function isSdkOperation(operation: string): Promise<boolean> {
  return (await commandOf(operation)) !== undefined;
}

/**
 * Sends `operation` with `input` as it stands, through the client of its service, and returns the
 * SDK's answer. The plan holds the input in the SDK's request shape, so it is handed over as is.
 */
export async function sendSdkCommand(
  clients: AwsClients,
  operation: SdkOperation,
  input: Record<string, unknown> | JsonObject,
): Promise<unknown> {
  const found = await commandOf(operation);
  if (found === undefined) throw new Error(`${operation}: no SDK command of that name in src/aws/sdk-command.ts`);
  // The client and the command come from the same service: the command is one this client sends.
  const sender = clients[CLIENT_OF[found.service]] as { send(command: unknown): Promise<unknown> };
  return sender.send(new found.Command(input as never));
}
