import { styleText } from "node:util";
import { parseResourceKey } from "../../manifests/identity.js";
import { redactUrl } from "../../redact.js";
import type { PruneOutcome } from "./apply.js";
import type { DeleteAction, PrunePlan } from "./types.js";

/** The deletes apply would run now: none while prune is off or a guard holds them. */
export function pruneActionsToRun(plan: PrunePlan | undefined): DeleteAction[] {
  return plan !== undefined && plan.enabled && plan.blocked === undefined ? plan.actions : [];
}

/**
 * Orphans that are not deleted this time, and why: `- <kind> <scope>/<name>  would delete
 * (prune is off)`. Deletes that do run are rendered with the plan's other actions.
 */
export function renderOrphans(plan: PrunePlan | undefined, color: boolean): string {
  if (plan === undefined) return "";
  const paint = (c: Parameters<typeof styleText>[0], t: string) => (color ? styleText(c, t) : t);
  const lines: string[] = [];
  const running = pruneActionsToRun(plan).length > 0;
  if (plan.blocked) lines.push(paint("magenta", `! prune blocked: ${plan.blocked.reason}`), `    to fix: ${BLOCK_HINT}`, "");
  const why = !plan.enabled ? "prune is off" : plan.blocked ? "prune blocked" : undefined;
  for (const orphan of plan.orphans) {
    if (running && orphan.kept === undefined) continue;
    const { kind, scope, name } = parseResourceKey(orphan.key);
    const label = `${kind} ${scope === undefined ? name : `${scope}/${name}`}`;
    const reason = orphan.kept !== undefined ? `kept: ${orphan.kept}` : `would delete (${why ?? "prune is off"})`;
    lines.push(`${paint(orphan.kept ? "gray" : "red", `- ${label}`)}  ${reason}`);
    if (orphan.renamedTo !== undefined)
      lines.push(`    ${paint("gray", "note:")} renamed: ${orphan.renamedTo} is created from the same file`);
  }
  if (!running) {
    const trims = plan.actions.filter((a) => !plan.orphans.some((o) => o.key === a.key));
    for (const trim of trims)
      lines.push(`${paint("gray", `- ${trim.key.replace("/", " ")}`)}  ${trim.notes?.join("; ") ?? ""} (${why ?? "prune is off"})`);
  }
  if (plan.orphans.length > 0) lines.push(`Orphaned: ${plan.orphans.length} (owned by us, in no manifest).`);
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

export const BLOCK_HINT =
  "if these deletes are meant, run once with --allow-mass-delete (or raise maxDeletes in ecs-gitops.yaml); otherwise fix the commit";

/** `- <kind> <scope>/<name>: deleted (<the calls made>)`, one line per delete. */
export function renderPruneOutcomes(outcomes: readonly PruneOutcome[], color: boolean): string {
  if (outcomes.length === 0) return "";
  const paint = (c: Parameters<typeof styleText>[0], t: string) => (color ? styleText(c, t) : t);
  const lines = outcomes.map((o) => {
    const name = o.key.replace("/", " ");
    if (o.outcome === "failed") return `${paint("red", "✗")} ${name}: prune failed [${o.error.code}] ${redactUrl(o.error.message)}`;
    return `${paint("red", "-")} ${name}: ${o.outcome === "gone" ? "already gone" : `deleted (${o.calls.join(", ")})`}`;
  });
  const deleted = outcomes.filter((o) => o.outcome === "deleted").length;
  const failed = outcomes.filter((o) => o.outcome === "failed").length;
  return [...lines, `Prune: ${deleted} deleted, ${failed} failed.`].join("\n") + "\n";
}
