import { runCli } from "../../src/cli/main.js";

/** What one CLI run did: its exit code and what it printed on stdout and stderr. */
export type CliRun = { code: number; out: string; err: string };

/** Runs the real CLI in-process, as `ecs-gitops <argv>`. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
