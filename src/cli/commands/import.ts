import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { isJsonObject } from "../../json.js";
import { resourceKey } from "../../manifests/identity.js";
import { convertFile } from "../import-convert.js";
import type { ImportResult } from "../import-convert.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";
import { renderManifest, writeFiles } from "./export.js";
import type { ExportFile } from "./export.js";

export type ImportFlags = { out?: string | undefined; force?: boolean | undefined };

const FILE_OF = { TaskDefinition: "task-definition.yaml", Service: "service.yaml" } as const;

/** `ecs-gitops import FILE…`: convert the ECS JSON a team already has into manifests. */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "convert raw ECS JSON (aws-actions task-definition.json, ecspresso " +
        "ecs-task-def.json / ecs-service-def.json, describe-task-definition / " +
        "describe-services output) into manifests; exit 0 converted, 2 error",
    )
    .argument("<files...>", "JSON files to convert")
    .option("--out <dir>", "folder to write the manifests into (default: print them)")
    .option("--force", "overwrite existing files")
    .action(async (files: string[], flags: ImportFlags, self: Command) => {
      process.exitCode = await runImport(files, flags, commandOutput(self));
    });
}

export async function runImport(files: readonly string[], flags: ImportFlags, io: CommandOutput): Promise<number> {
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    const text = await readFile(file, "utf8").catch((error: unknown) => {
      io.err(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return undefined;
    });
    if (text === undefined) return 2;
    texts.push({ file, text });
  }
  // A service definition without taskDefinition runs the one task definition imported with it.
  const tasks = texts.map((t) => convertFile(t.file, t.text)).flatMap((r) => r.conversions.filter((c) => c.kind === "TaskDefinition"));
  const family = tasks.length === 1 ? tasks[0]?.name : undefined;
  const results = texts.map((t) => convertFile(t.file, t.text, family));
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) io.err(`error: ${r.error}\n`);
  if (failed.length > 0) return 2;

  const outputs = planFiles(results);
  io.err(listConversions(results, outputs));
  if (flags.out === undefined) {
    io.out(outputs.map((o) => o.yaml).join("---\n"));
    return 0;
  }
  return writeFiles(
    flags.out,
    outputs,
    flags.force === true,
    io,
    `Next: ecs-gitops validate ${flags.out}, then ecs-gitops diff ${flags.out} to see how it differs from what runs.`,
  );
}

function planFiles(results: readonly ImportResult[]): ExportFile[] {
  const out: ExportFile[] = [];
  for (const result of results) {
    for (const c of result.conversions) {
      const spec = c.exported.document["spec"];
      const key = resourceKey(c.kind, c.name, isJsonObject(spec) ? spec : {});
      const header = `Imported from ${path.basename(result.file)} (${result.shape ?? "JSON"}) by ecs-gitops import`;
      let file = `${c.name}/${FILE_OF[c.kind]}`;
      for (let n = 2; out.some((o) => o.file === file); n++) file = `${c.name}/${FILE_OF[c.kind].replace(".yaml", `-${n}.yaml`)}`;
      out.push({ file, key, yaml: renderManifest(c.exported, header), reviews: c.exported.reviews.length });
    }
  }
  return out;
}

/** What each input became and every conversion applied to it: the reader checks these. */
function listConversions(results: readonly ImportResult[], outputs: readonly ExportFile[]): string {
  const lines: string[] = [];
  let index = 0;
  for (const result of results) {
    for (const c of result.conversions) {
      const target = outputs[index++];
      lines.push(`${result.file} (${result.shape}) → ${target?.file ?? "?"}: ${c.kind} ${c.name}`);
      for (const note of c.notes) lines.push(`  - ${note}`);
    }
  }
  return lines.join("\n") + "\n";
}
