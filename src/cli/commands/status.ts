import type { Command } from "commander";
import type { StatusDocument } from "../../state/status.js";
import { commandOutput } from "../print-problems.js";
import { formatTable } from "../table.js";
import { EXIT_STANDBY, renderLeases, standbyReason } from "../status-leases.js";

/** `ecs-gitops status`: the per-resource table from a running controller's /status. */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("print per-resource sync and health from a running controller")
    .option("--url <url>", "the controller's HTTP address", process.env["ECS_GITOPS_STATUS_URL"] ?? "http://127.0.0.1:8080")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (flags: { url: string; output: string }, self: Command) => {
      const io = commandOutput(self);
      let doc: StatusDocument;
      try {
        const response = await fetch(new URL("/status", flags.url), { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        doc = (await response.json()) as StatusDocument;
      } catch (error) {
        io.err(
          `error: cannot read ${flags.url}/status (${error instanceof Error ? error.message : String(error)}): ` +
            `is \`ecs-gitops run\` running there? Use --url.\n`,
        );
        process.exitCode = 2;
        return;
      }
      io.out(flags.output === "json" ? JSON.stringify(doc, null, 2) + "\n" : renderStatus(doc));
      const standby = standbyReason(doc);
      if (standby !== undefined) io.err(`${standby}\n`);
      process.exitCode =
        standby !== undefined
          ? EXIT_STANDBY
          : doc.resources.every((r) => r.sync === "Synced" && r.heldBack === undefined) && doc.manifestErrors.length === 0
            ? 0
            : 1;
    });
}

/** Orphans as rows: `Service/shop/old  Orphaned  -  -  would be deleted (prune is off)`. */
function orphanRows(doc: StatusDocument): string[][] {
  const why = doc.prune?.blocked ? `prune blocked: ${doc.prune.blocked}` : doc.prune?.enabled ? "deleting" : "prune is off";
  return (doc.orphans ?? []).map((o) => [
    o.key,
    "Orphaned",
    "-",
    "",
    (o.kept ? `kept: ${o.kept}` : `in no manifest (${why})`).slice(0, 160),
  ]);
}

export function renderStatus(doc: StatusDocument): string {
  const rows = [["RESOURCE", "SYNC", "HEALTH", "REVISION", "MESSAGE"]];
  for (const r of [...doc.resources].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const held = r.heldBack
      ? `manifest broken at ${r.heldBack.file}:${r.heldBack.line}:${r.heldBack.column} ` +
        `(${r.heldBack.message}): runs last good commit ${r.heldBack.commit.slice(0, 12)}`
      : undefined;
    const message =
      held ?? (r.drift ? `drift since ${r.drift.since}: ${r.drift.fields.join(", ")}` : (r.lastError?.message ?? r.message ?? ""));
    // Not plain "Synced": it is in sync with an older commit than the one shown.
    const sync = r.heldBack ? `${r.sync} (last good)` : r.sync;
    rows.push([r.key, sync, r.health, (r.lastAppliedRevision ?? "").slice(0, 12), message.slice(0, 160)]);
  }
  rows.push(...orphanRows(doc));
  const lines = formatTable(rows);
  const header =
    `commit ${doc.commit ?? "(none)"}` +
    `${doc.lastGoodCommit && doc.lastGoodCommit !== doc.commit ? ` (last good ${doc.lastGoodCommit})` : ""} ` +
    ` ready=${doc.ready}`;
  const errors = doc.manifestErrors.map((e) => `  ${e.file}:${e.line}:${e.column}  ${e.message}`);
  const leases = doc.leases ? renderLeases(doc.leases) : [];
  return [header, ...lines, ...(errors.length ? ["manifest errors:", ...errors] : []), ...leases].join("\n") + "\n";
}
