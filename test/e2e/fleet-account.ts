import type { FleetScale } from "../../bench/fleet.js";
import { clustersOf, writeFleet } from "../../bench/fleet.js";
import { createCluster, ecsFor, tempDir } from "./controller-harness.js";
import { defaultNetwork, newAccountId } from "./moto.js";

export type FleetAccount = { accountId: string; dir: string };

/**
 * A fresh moto account ready for a generated fleet (bench/fleet.ts): its default network, the
 * fleet's clusters, and the fleet's manifests written to a temporary folder (the caller removes it).
 */
export async function fleetAccount(endpoint: string, scale: FleetScale, prefix: string): Promise<FleetAccount> {
  const accountId = newAccountId();
  const network = await defaultNetwork(endpoint, accountId);
  const ecs = ecsFor(endpoint, accountId);
  try {
    for (const cluster of clustersOf(scale)) await createCluster(ecs, cluster);
  } finally {
    ecs.destroy();
  }
  const dir = await tempDir(prefix);
  await writeFleet(dir, scale, network);
  return { accountId, dir };
}
