import { rm } from "node:fs/promises";
import type { FleetScale } from "../../bench/fleet.js";
import { WaveHarness } from "../../bench/harness.js";
import { createAwsClients, destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClientOptions, AwsClients } from "../../src/aws/index.js";
import { FaultProxy } from "../e2e/fault-proxy.js";
import { fleetAccount } from "../e2e/fleet-account.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../e2e/moto.js";

/** A generated fleet's account whose every AWS call goes through a FaultProxy, and the wave harness that syncs it. */
export type ProxiedFleet = {
  accountId: string;
  /** The fleet's manifests (a temporary folder). */
  dir: string;
  proxy: FaultProxy;
  aws: AwsClients;
  harness: WaveHarness;
  /** Stops the harness and the proxy, closes the clients, removes the folder. */
  close(): Promise<void>;
};

/**
 * `clients`: the retry settings under test (the proxy throttles or fails requests); the clients
 * are not paced, so that the proxy alone decides what is throttled. `random`: the proxy's draw
 * for `throttleRate` (seeded, a failure reproduces).
 */
export async function proxiedFleet(
  endpoint: string,
  scale: FleetScale,
  prefix: string,
  clients: Pick<AwsClientOptions, "maxAttempts" | "retryStrategy" | "throttledMaxAttempts" | "throttledBaseDelayMs">,
  random?: () => number,
): Promise<ProxiedFleet> {
  const { accountId, dir } = await fleetAccount(endpoint, scale, prefix);
  const proxy = new FaultProxy(endpoint, random);
  await proxy.start();
  const aws = createAwsClients({
    endpoint: proxy.endpoint,
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    accountIdHeader: accountId,
    rateLimit: false,
    ...clients,
  });
  const harness = new WaveHarness({ aws, region: MOTO_REGION });
  return {
    accountId,
    dir,
    proxy,
    aws,
    harness,
    close: async () => {
      await harness.stop();
      destroyAwsClients(aws);
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
