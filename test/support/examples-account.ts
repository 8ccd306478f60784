import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { copyExamples } from "../e2e/desired-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "../e2e/moto.js";
import type { DefaultNetwork } from "../e2e/moto.js";

/** A fresh moto account ready for examples/: its cluster "shop" exists, and a copy of the examples names its network. */
export type ExamplesAccount = {
  accountId: string;
  network: DefaultNetwork;
  /** Clients of the account, to read and change what the controller manages. */
  ecs: ECSClient;
  events: EventBridgeClient;
  /** The copy of examples/ (a temporary folder). */
  dir: string;
  /** Closes both clients. */
  destroy(): void;
};

/** `maxAttempts: 1` makes the clients fail at once where a test expects a call to fail. */
export async function examplesAccount(endpoint: string, clients: { maxAttempts?: number } = {}): Promise<ExamplesAccount> {
  const accountId = newAccountId();
  const network = await defaultNetwork(endpoint, accountId);
  const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, ...clients };
  const ecs = new ECSClient(config);
  const events = new EventBridgeClient(config);
  applyMotoAccountHeader(ecs.middlewareStack, accountId);
  applyMotoAccountHeader(events.middlewareStack, accountId);
  await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
  const dir = await copyExamples(network);
  return {
    accountId,
    network,
    ecs,
    events,
    dir,
    destroy: () => {
      ecs.destroy();
      events.destroy();
    },
  };
}
