import { ECSClient, ListServicesCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { applyMotoAccountHeader } from "../src/aws/account-header.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../test/e2e/moto.js";
import { clustersOf } from "./fleet.js";
import type { FleetScale } from "./fleet.js";
import type { PhaseResult } from "./scenario.js";

/** What a throttled cold sync left in moto, and how many of its non-idempotent writes reached it. */
export type Duplicates = {
  revisions: number;
  services: number;
  /** Attempts that were not answered with a throttle, i.e. requests moto received and applied. */
  registrationsReached: number;
  createsReached: number;
  problems: string[];
};

async function allPages(
  send: (nextToken: string | undefined) => Promise<{ items: number; nextToken: string | undefined }>,
): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const page = await send(token);
    total += page.items;
    token = page.nextToken;
  } while (token !== undefined);
  return total;
}

/**
 * Counts, in moto itself, the revisions and services a throttled cold sync made: one revision per
 * family and one service per manifest, or a duplicate reached AWS. The per-operation attempts that
 * were not throttled must say the same (a logical call re-sent after a lost answer counts there).
 */
export async function countDuplicates(endpoint: string, accountId: string, scale: FleetScale, phase: PhaseResult): Promise<Duplicates> {
  const ecs = new ECSClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  applyMotoAccountHeader(ecs.middlewareStack, accountId);
  try {
    const revisions = await allPages(async (nextToken) => {
      const page = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 100, nextToken }));
      return { items: page.taskDefinitionArns?.length ?? 0, nextToken: page.nextToken };
    });
    let services = 0;
    for (const cluster of clustersOf(scale))
      services += await allPages(async (nextToken) => {
        const page = await ecs.send(new ListServicesCommand({ cluster, maxResults: 100, nextToken }));
        return { items: page.serviceArns?.length ?? 0, nextToken: page.nextToken };
      });
    const reached = (operation: string) => phase.reached?.[operation] ?? 0;
    const result: Duplicates = {
      revisions,
      services,
      registrationsReached: reached("ecs:RegisterTaskDefinition"),
      createsReached: reached("ecs:CreateService"),
      problems: [],
    };
    const expect = (what: string, n: number, wanted: number) => {
      if (n !== wanted) result.problems.push(`${what}: ${n}, expected exactly ${wanted} (${n - wanted} duplicate)`);
    };
    expect("task definition revisions in moto", revisions, scale.families);
    expect("services in moto", services, scale.services);
    expect("RegisterTaskDefinition requests that reached moto", result.registrationsReached, scale.families);
    expect("CreateService requests that reached moto", result.createsReached, scale.services);
    return result;
  } finally {
    ecs.destroy();
  }
}
