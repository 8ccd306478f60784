import { diffLines } from "diff";
import { styleText } from "node:util";
import type { JsonValue } from "../json.js";
import type { Action, ActionType } from "../resources/types.js";
import { maskSecrets } from "./mask.js";
import type { SecretMatcher } from "./mask.js";
import { maskChanges } from "./structural.js";
import type { Change } from "./structural.js";

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
const COLOR: Record<ActionType, Parameters<typeof styleText>[0]> = { create: "green", update: "yellow", delete: "red", noop: "gray", blocked: "magenta" };
/** Values longer than this (as one-line JSON) are shown as a line diff of the pretty JSON. */
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
    const [kind, ...rest] = action.key.split("/");
    lines.push(paint(COLOR[action.type], `${SYMBOL[action.type]} ${kind} ${rest.join("/")}`) + paint("gray", `  (${action.type})`));
    for (const change of maskChanges(action.changes, options.isSecret)) lines.push(...renderChange(change, paint));
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

function renderChange(change: Change, paint: (c: Parameters<typeof styleText>[0], t: string) => string): string[] {
  const path = change.path.replace(/^\//, "") || "(whole resource)";
  const desired = inline(change.desired);
  const live = inline(change.live);
  if (desired.length <= INLINE_LIMIT && live.length <= INLINE_LIMIT) {
    return [`    ${path}: ${paint("red", live)} → ${paint("green", desired)}`];
  }
  // Large values: a line diff of the pretty JSON, live → git, so one changed field stands out.
  const out = [`    ${path}:`];
  for (const part of diffLines(pretty(change.live), pretty(change.desired))) {
    const mark = part.added ? "+" : part.removed ? "-" : " ";
    const color = part.added ? "green" : part.removed ? "red" : "gray";
    for (const line of part.value.replace(/\n$/, "").split("\n")) {
      if (!part.added && !part.removed && part.count > 6) continue;
      out.push(paint(color, `      ${mark} ${line}`));
    }
  }
  return out;
}

function inline(value: JsonValue | undefined): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}

function pretty(value: JsonValue | undefined): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2) + "\n";
}
