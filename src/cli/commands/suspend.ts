import type { Command } from "commander";
import type { SuspendState } from "../../pause/suspensions.js";
import { commandOutput } from "../print-problems.js";

type PauseFlags = { url: string };

/** `ecs-gitops suspend [KEY…]` and `resume [KEY…]`: ask a running controller's API (bearer token from the environment). */
export function registerSuspend(program: Command): void {
  for (const verb of ["suspend", "resume"] as const) {
    program
      .command(`${verb} [keys...]`)
      .description(
        verb === "suspend"
          ? "stop a running controller writing (all resources, or the keys given); drift is still reported"
          : "let a running controller write again (all resources, or the keys given)",
      )
      .option("--url <url>", "the controller's HTTP address", process.env["ECS_GITOPS_STATUS_URL"] ?? "http://127.0.0.1:8080")
      .action(async (keys: string[], flags: PauseFlags, self: Command) => {
        process.exitCode = await callPauseApi(verb, keys, flags.url, commandOutput(self));
      });
  }
}

async function callPauseApi(
  verb: "suspend" | "resume",
  keys: readonly string[],
  url: string,
  io: { out: (t: string) => void; err: (t: string) => void },
): Promise<number> {
  const token = process.env["ECS_GITOPS_API_TOKEN"];
  if (!token) {
    io.err(`error: ${verb} needs the controller's API token in ECS_GITOPS_API_TOKEN (the value \`run\` was started with)\n`);
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(new URL(`/api/${verb}`, url), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(keys.length === 0 ? {} : { keys }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    io.err(
      `error: cannot reach ${url} (${error instanceof Error ? error.message : String(error)}): ` +
        `is \`ecs-gitops run\` running there? Use --url.\n`,
    );
    return 2;
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string; suspended?: SuspendState };
  if (!response.ok) {
    const why =
      response.status === 404
        ? "the controller has no API token configured (start `run` with ECS_GITOPS_API_TOKEN set)"
        : response.status === 401
          ? "the token in ECS_GITOPS_API_TOKEN is not the controller's"
          : (body.error ?? `HTTP ${response.status}`);
    io.err(`error: ${verb} refused by ${url}: ${why}\n`);
    return 1;
  }
  io.out(`${describe(body.suspended)}\n`);
  return 0;
}

function describe(state: SuspendState | undefined): string {
  if (state === undefined) return "done";
  if (state.all)
    return state.except.length === 0 ? "suspended: all resources" : `suspended: all resources except ${state.except.join(", ")}`;
  return state.keys.length === 0 ? "suspended: none" : `suspended: ${state.keys.join(", ")}`;
}
