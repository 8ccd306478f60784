import { createAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

/** The controller's AWS clients on moto for one account, unpaced (moto has no rate limits to respect). */
export function motoClients(endpoint: string, accountId: string): AwsClients {
  return createAwsClients({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, accountIdHeader: accountId, rateLimit: false });
}
