import { MOTO_CREDENTIALS, MOTO_REGION } from "../e2e/moto.js";
import { examplesAccount } from "./examples-account.js";
import type { ExamplesAccount } from "./examples-account.js";

/** An examples account that the in-process CLI works in. */
export type CliAccount = ExamplesAccount & {
  /** Puts process.env back as it was and closes the clients. */
  close(): void;
};

/**
 * The CLI takes its credentials, region and (moto's multi-account header) account from the
 * environment, so they stay set in process.env, with `env`, until `close`.
 */
export async function cliAccount(endpoint: string, env: Readonly<Record<string, string>> = {}): Promise<CliAccount> {
  const saved = { ...process.env };
  const account = await examplesAccount(endpoint);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
    ECS_GITOPS_TEST_ACCOUNT_ID: account.accountId,
    ...env,
  });
  return {
    ...account,
    close: () => {
      account.destroy();
      process.env = saved;
    },
  };
}
