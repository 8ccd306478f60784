import path from "node:path";
import type { Command } from "commander";
import { Document } from "yaml";
import { loadConfigFile, maxCommitBytesFromEnv } from "../../config.js";
import { locateManifestRoot } from "../../source/manifest-root.js";
import { loadSourceTree } from "../../environments/load.js";
import { sortProblems } from "../../resources/load.js";
import { ENV_OPTION_HELP, resolveEnvTarget } from "../environment-folder.js";
import { formatProblems, hasErrors } from "../format-problems.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";

export type RenderFlags = { env?: string | undefined };

/** `ecs-gitops render [path] [--env NAME]`: the final manifests one environment sees, offline. */
export function registerRender(program: Command): void {
  program
    .command("render")
    .description(
      "print the final manifests one environment sees (bases, patches, names " +
        "and variables applied; SSM variables stay ${NAME}): exit 0 rendered, " +
        "1 errors, 2 usage error",
    )
    .argument("[path]", "repository root, environment folder or plain manifests folder", ".")
    .option("--env <name|path>", ENV_OPTION_HELP)
    .action(async (target: string, flags: RenderFlags, self: Command) => {
      process.exitCode = await runRender(target, flags, commandOutput(self));
    });
}

export async function runRender(target: string, flags: RenderFlags, io: CommandOutput): Promise<number> {
  const resolved = await resolveEnvTarget(target, flags.env);
  if ("error" in resolved) {
    io.err(`error: ${resolved.error}\n`);
    return 2;
  }
  const located = await locateManifestRoot(resolved.target);
  const { config, problems: configProblems } = await loadConfigFile(located.root);
  const loaded = await loadSourceTree(located.root, {
    defaultCluster: config.cluster,
    maxCommitBytes: maxCommitBytesFromEnv(),
    offline: true,
  });
  const display = (file: string) => path.relative(process.cwd(), path.resolve(located.root, file)).split(path.sep).join("/") || ".";
  const problems = sortProblems([...configProblems, ...loaded.problems]);
  if (problems.length > 0) io.err(formatProblems(problems, display));
  if (hasErrors(problems)) return 1;
  const documents = loaded.rendered.map(({ doc, from }) => {
    const yaml = new Document(doc.value);
    // Where each manifest came from: the base file first, then every overlay that changed it.
    yaml.commentBefore = ` from: ${from.map(display).join(", ")}`;
    return yaml.toString({ lineWidth: 0 });
  });
  io.out(documents.join("---\n"));
  return 0;
}
