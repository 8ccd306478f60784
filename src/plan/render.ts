import { diffLines } from "diff";
import { styleText } from "node:util";
import { stringify } from "yaml";
import type { JsonValue } from "../json.js";
import { parseResourceKey } from "../manifests/identity.js";
import type { Action, ActionType } from "../resources/types.js";
import { maskSecrets } from "../diff/mask.js";
import type { SecretMatcher } from "../diff/mask.js";
import { fieldOf, maskChanges } from "../diff/structural.js";
import type { Change } from "../diff/structural.js";

export type RenderOptions = { color: boolean; showCalls?: boolean; isSecret?: SecretMatcher | undefined };
export type PlanSummary = Record<ActionType, number>;

/** The stable, documented JSON form of a plan (`diff --output json`). */
export type PlanDocument = {
  apiVersion: "ecs-gitops/v1";
  kind: "Plan";
  revision: string;
  summary: PlanSummary;
  actions: ActionDocument[];
};
export type ActionDocument = {
  key: string;
  kind: string;
  type: ActionType;
  changes: Change[];
  calls: { operation: string; input: JsonValue }[];
  code?: string;
  reason?: string;
  hint?: string;
  notes?: string[];
};

const SYMBOL: Record<ActionType, string> = { create: "+", update: "~", delete: "-", noop: "=", blocked: "!" };
const COLOR: Record<ActionType, Parameters<typeof styleText>[0]> = {
  create: "green",
  update: "yellow",
  delete: "red",
  noop: "gray",
  blocked: "magenta",
};
/** Values longer than this on one line are shown as YAML blocks (a line diff for an update). */
const INLINE_LIMIT = 72;

export function summarize(actions: readonly Action[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, noop: 0, blocked: 0 };
  for (const action of actions) summary[action.type]++;
  return summary;
}

export function hasChanges(actions: readonly Action[]): boolean {
  return actions.some((a) => a.type !== "noop");
}

/** `isSecret`: the names whose values are masked (built-in names plus ecs-gitops.yaml `maskPatterns`). */
export function toPlanDocument(actions: readonly Action[], revision: string, isSecret?: SecretMatcher): PlanDocument {
  return {
    apiVersion: "ecs-gitops/v1",
    kind: "Plan",
    revision,
    summary: summarize(actions),
    actions: actions.map((a) => {
      const doc: ActionDocument = { key: a.key, kind: a.kind, type: a.type, changes: maskChanges(a.changes, isSecret), calls: [] };
      if (a.type === "blocked") {
        doc.code = a.code;
        doc.reason = a.reason;
        doc.hint = a.hint;
      } else {
        doc.calls = a.calls.map((c) => ({ operation: c.operation, input: maskSecrets(c.input, isSecret) }));
        if (a.notes?.length) doc.notes = a.notes;
      }
      return doc;
    }),
  };
}

/** `~ Service shop/web` header, changed fields with git and live values, and a summary line. */
export function renderPlan(actions: readonly Action[], options: RenderOptions): string {
  const paint = (color: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(color, text) : text);
  const lines: string[] = [];
  for (const action of actions) {
    if (action.type === "noop") continue;
    const { kind, scope, name } = parseResourceKey(action.key);
    lines.push(
      paint(COLOR[action.type], `${SYMBOL[action.type]} ${kind} ${scope === undefined ? name : `${scope}/${name}`}`) +
        paint("gray", `  (${action.type})`),
    );
    for (const change of maskChanges(action.changes, options.isSecret))
      lines.push(...(action.type === "create" ? renderAdded(change, paint) : renderChange(change, paint)));
    if (action.type === "blocked") {
      lines.push(`    ${paint("magenta", "blocked:")} ${action.reason}`);
      lines.push(`    ${paint("gray", "to fix:")} ${action.hint}`);
    } else {
      for (const note of action.notes ?? []) lines.push(`    ${paint("gray", "note:")} ${note}`);
      if (options.showCalls !== false && action.calls.length > 0) {
        lines.push(paint("gray", `    calls: ${action.calls.map((c) => c.operation).join(", ")}`));
      }
    }
    lines.push("");
  }
  const s = summarize(actions);
  lines.push(`Plan: ${s.create} to create, ${s.update} to change, ${s.delete} to delete, ${s.blocked} blocked, ${s.noop} unchanged.`);
  return lines.join("\n") + "\n";
}

/** Unchanged lines kept around each changed line of a large value, as `diff -U3`. */
const CONTEXT_LINES = 3;

/**
 * `containerDefinitions[web].image: "a:1" → "a:2"` for short values; otherwise the value as YAML,
 * `+`/`-` per line (a create shows what the user wrote), and for an update a line diff with a few
 * lines of context, so one changed field in a large block stands out.
 */
function renderChange(change: Change, paint: (c: Parameters<typeof styleText>[0], t: string) => string): string[] {
  const label = fieldOf(change);
  const desired = inline(change.desired);
  const live = inline(change.live);
  if (desired.length <= INLINE_LIMIT && live.length <= INLINE_LIMIT) {
    return [`    ${label}: ${paint("red", live)} → ${paint("green", desired)}`];
  }
  const out = [`    ${label}:`];
  const parts = diffLines(block(change.live), block(change.desired));
  parts.forEach((part, index) => {
    const mark = part.added ? "+" : part.removed ? "-" : " ";
    const color = part.added ? "green" : part.removed ? "red" : "gray";
    let lines = part.value.replace(/\n$/, "").split("\n");
    if (!part.added && !part.removed && lines.length > 2 * CONTEXT_LINES) {
      const head = index === 0 ? [] : lines.slice(0, CONTEXT_LINES);
      const tail = index === parts.length - 1 ? [] : lines.slice(-CONTEXT_LINES);
      const skipped = lines.length - head.length - tail.length;
      lines = [...head, ...(skipped > 0 ? [`… ${skipped} unchanged line${skipped === 1 ? "" : "s"}`] : []), ...tail];
    }
    for (const line of lines) out.push(paint(color, `      ${mark} ${line}`));
  });
  return out;
}

/** A field of a resource to create: `+ cpu: "0.5 vCPU"`, or its YAML block. */
function renderAdded(change: Change, paint: (c: Parameters<typeof styleText>[0], t: string) => string): string[] {
  const value = inline(change.desired);
  if (value.length <= INLINE_LIMIT) return [paint("green", `    + ${fieldOf(change)}: ${value}`)];
  return [
    paint("green", `    + ${fieldOf(change)}:`),
    ...block(change.desired)
      .replace(/\n$/, "")
      .split("\n")
      .map((line) => paint("green", `        ${line}`)),
  ];
}

/** Scalars as JSON (strings quoted); mappings and lists as one-line YAML (`{name: PORT, value: "8080"}`). */
function inline(value: JsonValue | undefined): string {
  if (value === undefined) return "(unset)";
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trimEnd();
}

function block(value: JsonValue | undefined): string {
  return value === undefined ? "" : stringify(value, { lineWidth: 0 });
}
