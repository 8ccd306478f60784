import type { Change } from "../diff/structural.js";
import { assertNever } from "../assert-never.js";
import type { AlertEvent } from "./types.js";

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string } }
  | { type: "section"; text: { type: "mrkdwn"; text: string }; fields?: { type: "mrkdwn"; text: string }[] }
  | { type: "context"; elements: { type: "mrkdwn"; text: string }[] };

export type SlackMessage = { text: string; blocks: SlackBlock[] };

export const MAX_LISTED_FIELDS = 20;
export const MAX_VALUE_CHARS = 80;
// Slack caps a header at 150 characters and a section's text at 3000.
const MAX_HEADER_CHARS = 150;
const MAX_SECTION_CHARS = 2900;
const MAX_ERROR_CHARS = 500;

/** An alert as a Slack-compatible message (incoming webhooks, and anything that reads `text`). Pure. */
export function formatSlackMessage(event: AlertEvent): SlackMessage {
  const title = titleOf(event);
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: cut(`${title}: ${event.key}`, MAX_HEADER_CHARS) } },
    {
      type: "section",
      text: { type: "mrkdwn", text: `${event.kind === undefined ? "" : `*${escape(event.kind)}* `}\`${escapeCode(event.key)}\`` },
      fields: factsOf(event),
    },
  ];
  const fields = event.fields ?? [];
  if (fields.length > 0 && event.type === "drift.opened") {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: formatFieldList(fields) } });
  }
  if (event.error !== undefined) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `*${escape(event.error.code)}*: ${escape(cut(event.error.message, MAX_ERROR_CHARS))}` },
    });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `ecs-gitops · ${event.type} · ${event.at}` }] });
  return { text: summaryOf(event, title), blocks };
}

/** `field: live → desired` (the field named by identity, else its path), one per line in a code block, at most MAX_LISTED_FIELDS lines. */
export function formatFieldList(fields: readonly Change[]): string {
  const lines = fields
    .slice(0, MAX_LISTED_FIELDS)
    .map((c) => escapeCode(`${c.field ?? c.path}: ${formatValue(c.live)} → ${formatValue(c.desired)}`));
  let body = lines.join("\n");
  // Keep the whole section under Slack's limit: drop whole lines rather than cut one mid-way.
  while (body.length > MAX_SECTION_CHARS - 60 && lines.length > 1) {
    lines.pop();
    body = lines.join("\n");
  }
  const hidden = fields.length - lines.length;
  const tail = hidden > 0 ? `\n… and ${hidden} more field${hidden === 1 ? "" : "s"}` : "";
  return "*Live → desired*\n```" + body + "```" + tail;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "(unset)";
  return cut(JSON.stringify(value) ?? String(value), MAX_VALUE_CHARS);
}

function titleOf(event: AlertEvent): string {
  switch (event.type) {
    case "drift.opened":
      return event.update === "fields"
        ? "Drift spread to more fields"
        : event.update === "heal-suspended"
          ? "Self-heal suspended"
          : "Drift detected";
    case "drift.resolved":
      return "Drift resolved";
    case "sync.failed":
      return "Sync failed";
    case "sync.recovered":
      return "Sync recovered";
    case "deploy.succeeded":
      return "Deploy succeeded";
    case "deploy.failed":
      return "Deploy failed";
    case "deploy.rolledBack":
      return "Deploy rolled back";
    case "rollback.active":
      return "Rollback pin still active";
    case "hook.failed":
      return "Deploy hook failed";
    case "pruned":
      return "Pruned (left git)";
    case "prune-blocked":
      return "Prune blocked";
    default:
      return assertNever(event.type);
  }
}

function factsOf(event: AlertEvent): { type: "mrkdwn"; text: string }[] {
  const facts: [string, string | undefined][] = [
    ["Commit", event.commit === undefined ? undefined : `\`${escapeCode(event.commit.slice(0, 12))}\``],
    ["Action", event.action],
    ["Resolution", event.resolution],
    ["First seen", event.firstSeen],
    ["ARN", event.arn === undefined ? undefined : `\`${escapeCode(event.arn)}\``],
    ["Revision", event.deploy === undefined ? undefined : `\`${escapeCode(event.deploy.revision)}\``],
    ["Trigger", event.deploy?.trigger],
    ["Duration", event.deploy?.durationS === undefined ? undefined : `${event.deploy.durationS} s`],
    ["Reason", event.deploy?.reason === undefined ? undefined : escape(cut(event.deploy.reason, MAX_VALUE_CHARS))],
  ];
  return facts
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([label, value]) => ({ type: "mrkdwn", text: `*${label}*\n${value}` }));
}

function summaryOf(event: AlertEvent, title: string): string {
  const parts = [`${title}: ${event.key}`];
  const count = event.fields?.length ?? 0;
  if (event.type === "drift.opened" && count > 0) parts.push(`${count} field${count === 1 ? "" : "s"}`);
  if (event.action !== undefined) parts.push(event.action);
  if (event.resolution !== undefined) parts.push(`resolved: ${event.resolution}`);
  if (event.error !== undefined) parts.push(event.error.code);
  return escape(parts.join(" · "));
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

// Slack mrkdwn needs only these three escaped; inside code spans backticks would end the span.
function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function escapeCode(text: string): string {
  return escape(text).replaceAll("`", "ˋ");
}
