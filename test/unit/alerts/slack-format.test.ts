import { describe, expect, it } from "vitest";
import { formatFieldList, formatSlackMessage, MAX_LISTED_FIELDS, MAX_VALUE_CHARS } from "../../../src/alerts/slack-format.js";
import type { AlertEvent } from "../../../src/alerts/types.js";
import { diffValues } from "../../../src/diff/structural.js";

const base: AlertEvent = {
  type: "drift.opened",
  key: "Service/prod/web",
  kind: "Service",
  name: "web",
  arn: "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
  commit: "0123456789abcdef0123456789abcdef01234567",
  fields: [{ path: "/desiredCount", desired: 3, live: 5 }],
  firstSeen: "2025-01-02T03:04:05.000Z",
  at: "2025-01-02T03:04:05.000Z",
  action: "healing",
};

function allText(event: AlertEvent): string {
  return JSON.stringify(formatSlackMessage(event));
}

describe("formatSlackMessage", () => {
  it.each([
    [{ type: "drift.opened" }, "Drift detected: Service/prod/web"],
    [{ type: "drift.opened", update: "fields" }, "Drift spread to more fields: Service/prod/web"],
    [{ type: "drift.opened", update: "heal-suspended" }, "Self-heal suspended: Service/prod/web"],
    [{ type: "drift.resolved", resolution: "healed" }, "Drift resolved: Service/prod/web"],
    [{ type: "sync.failed", error: { code: "AccessDenied", message: "no" } }, "Sync failed: Service/prod/web"],
    [{ type: "sync.recovered" }, "Sync recovered: Service/prod/web"],
  ] as const)("starts with a header naming what happened and the resource (%o)", (patch, header) => {
    const message = formatSlackMessage({ ...base, ...patch });
    expect(message.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: header } });
    expect(message.text.startsWith(header)).toBe(true);
  });

  it("lists each field as 'path: live → desired'", () => {
    const message = formatSlackMessage({
      ...base,
      fields: [
        { path: "/desiredCount", desired: 3, live: 5 },
        { path: "/enableExecuteCommand", desired: undefined, live: true },
      ],
    });
    const list = message.blocks.find((b) => b.type === "section" && b.text.text.startsWith("*Live → desired*"));
    expect(list).toBeDefined();
    expect(JSON.stringify(list)).toContain("/desiredCount: 5 → 3");
    expect(JSON.stringify(list)).toContain("/enableExecuteCommand: true → (unset)");
  });

  it("names a list item by its identity when the change says which one", () => {
    const field = {
      path: "/containerDefinitions/0/environment/3/value",
      field: "containerDefinitions[web].environment[DB_HOST]",
      desired: "db-2",
      live: "db-1",
    };
    const text = JSON.stringify(formatSlackMessage({ ...base, fields: [field] }));
    expect(text).toContain('containerDefinitions[web].environment[DB_HOST]: \\"db-1\\" → \\"db-2\\"');
    expect(text).not.toContain("/environment/3");
  });

  it("shows the short commit, the action and the ARN", () => {
    const text = allText(base);
    expect(text).toContain("`0123456789ab`");
    expect(text).not.toContain("0123456789abcdef0123");
    expect(text).toContain("*Action*\\nhealing");
    expect(text).toContain(base.arn);
    expect(formatSlackMessage(base).text).toBe("Drift detected: Service/prod/web · 1 field · healing");
  });

  it("lists at most 20 fields and says how many more there are", () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ path: `/f${i}`, desired: i, live: i + 1 }));
    const list = formatFieldList(fields);
    expect(list.split("\n").filter((l) => /^(```)?\/f\d+:/.test(l))).toHaveLength(MAX_LISTED_FIELDS);
    expect(list).toContain("/f19: 20 → 19");
    expect(list).not.toContain("/f20:");
    expect(list).toContain("… and 10 more fields");
  });

  it("cuts long values", () => {
    const list = formatFieldList([{ path: "/image", desired: "x".repeat(500), live: "short" }]);
    const line = list.split("\n").find((l) => l.includes("/image:")) ?? "";
    expect(line).toContain("…");
    expect(line.length).toBeLessThan(MAX_VALUE_CHARS + 40);
  });

  it("keeps every section within Slack's 3000-character limit, dropping whole lines", () => {
    const fields = Array.from({ length: 20 }, (_, i) => ({
      path: `/${"p".repeat(300)}/${i}`,
      desired: "d".repeat(200),
      live: "l".repeat(200),
    }));
    const message = formatSlackMessage({ ...base, fields });
    for (const block of message.blocks) if (block.type === "section") expect(block.text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(message)).toMatch(/… and \d+ more fields/);
  });

  it("escapes Slack control characters so values cannot inject links or mentions", () => {
    const text = allText({ ...base, fields: [{ path: "/command/0", desired: "<!channel> & <http://evil|x>", live: "ok" }] });
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt; &amp; &lt;http://evil|x&gt;");
  });

  it("never shows a secret-looking environment value, as the diff masked it", () => {
    const changes = diffValues(
      { environment: [{ name: "DB_PASSWORD", value: "hunter2-new" }] },
      { environment: [{ name: "DB_PASSWORD", value: "hunter2-old" }] },
    );
    const text = allText({ ...base, fields: changes });
    expect(text).not.toContain("hunter2");
    expect(text).toContain("(masked)");
  });

  it("shows the error code and message of a failed sync", () => {
    const text = allText({
      ...base,
      type: "sync.failed",
      fields: [],
      error: { code: "AccessDenied", message: "ecs:UpdateService denied" },
    });
    expect(text).toContain("*AccessDenied*: ecs:UpdateService denied");
  });

  it("shows the resolution and no field list once the drift resolved", () => {
    const message = formatSlackMessage({ ...base, type: "drift.resolved", action: "healed", resolution: "healed" });
    expect(JSON.stringify(message)).toContain("*Resolution*\\nhealed");
    expect(JSON.stringify(message)).not.toContain("Live → desired");
  });
});
