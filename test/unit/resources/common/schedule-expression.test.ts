import { describe, expect, it } from "vitest";
import { parseScheduleExpression } from "../../../../src/resources/common/schedule-expression.js";

describe("parseScheduleExpression", () => {
  it.each([
    ["rate(1 minute)", { type: "rate", value: 1, unit: "minute" }],
    ["rate(5 minutes)", { type: "rate", value: 5, unit: "minute" }],
    ["rate(1 hour)", { type: "rate", value: 1, unit: "hour" }],
    ["rate(12 hours)", { type: "rate", value: 12, unit: "hour" }],
    ["rate(1 day)", { type: "rate", value: 1, unit: "day" }],
    ["rate(7 days)", { type: "rate", value: 7, unit: "day" }],
  ])("parses %s", (text, expression) => {
    expect(parseScheduleExpression(text)).toEqual({ ok: true, expression });
  });

  it("splits a cron expression into its six named fields", () => {
    expect(parseScheduleExpression("cron(0 3 * * ? *)")).toEqual({
      ok: true,
      expression: { type: "cron", fields: { minutes: "0", hours: "3", dayOfMonth: "*", month: "*", dayOfWeek: "?", year: "*" } },
    });
  });

  it.each([
    "cron(0 3 * * ? *)",
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(0 0 15W * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * FRIL *)",
    "cron(30 23 ? JAN,JUL * *)",
    "cron(0 0 1 JAN-MAR ? 2025-2030)",
    "cron(0 0 1 jan ? *)",
    "cron(0 0 ? * sun *)",
    "cron(* * * * ? *)",
    "cron(0,15,30,45 * * * ? *)",
    "cron(5-10/2 * * * ? *)",
    "cron(0 22-2 ? * SAT-MON *)",
    "cron(0 0 1/5 * ? *)",
    "cron(0 0 1 */3 ? *)",
    "cron(0 0 1 1 ? 2199)",
    "cron(0 0 1 1 ? 1970/10)",
    "cron(59 23 31 12 ? *)",
    "cron(0 12 ? * 1,7 *)",
    "cron(0  3  *  *  ?  *)",
  ])("accepts %s", (text) => {
    expect(parseScheduleExpression(text)).toMatchObject({ ok: true, expression: { type: "cron" } });
  });

  it.each([
    ["", "not-rate-or-cron"],
    ["every 5 minutes", "not-rate-or-cron"],
    ["rate(5 minute)", "rate-singular-plural"],
    ["rate(1 minutes)", "rate-singular-plural"],
    ["rate(1 hours)", "rate-singular-plural"],
    ["rate(2 day)", "rate-singular-plural"],
    ["rate(0 minutes)", "rate-value"],
    ["rate(-5 minutes)", "rate-value"],
    ["rate(1.5 hours)", "rate-value"],
    ["rate(five minutes)", "rate-value"],
    ["rate(30 seconds)", "rate-unit"],
    ["rate(2 weeks)", "rate-unit"],
    ["rate(5 Minutes)", "rate-unit"],
    ["rate(5minutes)", "rate-syntax"],
    ["rate()", "rate-syntax"],
    ["Rate(5 minutes)", "not-rate-or-cron"],
    ["cron(0 3 * * ?)", "cron-field-count"],
    ["cron(0 3 * * ? * *)", "cron-field-count"],
    ["cron()", "cron-field-count"],
    ["cron(0 3 * * * *)", "cron-day-conflict"],
    ["cron(0 3 ? * ? *)", "cron-day-conflict"],
    ["cron(0 3 1 * MON *)", "cron-day-conflict"],
    ["cron(60 3 * * ? *)", "cron-value"],
    ["cron(0 24 * * ? *)", "cron-value"],
    ["cron(0 3 0 * ? *)", "cron-value"],
    ["cron(0 3 32 * ? *)", "cron-value"],
    ["cron(0 3 * 13 ? *)", "cron-value"],
    ["cron(0 3 ? * 8 *)", "cron-value"],
    ["cron(0 3 ? * 0 *)", "cron-value"],
    ["cron(0 3 * * ? 1969)", "cron-value"],
    ["cron(0 3 * * ? 2200)", "cron-value"],
    ["cron(0 3 * FOO ? *)", "cron-value"],
    ["cron(0 3 ? * MONDAY *)", "cron-value"],
    ["cron(? 3 * * ? *)", "cron-wildcard"],
    ["cron(0 ? * * ? *)", "cron-wildcard"],
    ["cron(0 3 * ? * *)", "cron-wildcard"],
    ["cron(0 L * * ? *)", "cron-value"],
    ["cron(0 3 ? * 2W *)", "cron-value"],
    ["cron(0 3 1#2 * ? *)", "cron-wildcard"],
    ["cron(0 3 ? * 2#6 *)", "cron-value"],
    ["cron(0 3 ? * 2#1,3#2 *)", "cron-wildcard"],
    ["cron(0 3 ? * */2 *)", "cron-wildcard"],
    ["cron(0/0 * * * ? *)", "cron-step"],
    ["cron(0/60 * * * ? *)", "cron-step"],
    ["cron(0/x * * * ? *)", "cron-step"],
    ["cron(1/2/3 * * * ? *)", "cron-step"],
    ["cron(0, * * * ? *)", "cron-wildcard"],
    ["cron(0 1-2-3 * * ? *)", "cron-range"],
    ["cron(0 3 * * ? 2030-2025)", "cron-range"],
    ["cron(0 3 1,? * * *)", "cron-wildcard"],
    ["cron(0 3 W * ? *)", "cron-value"],
    ["cron(0 3 32W * ? *)", "cron-value"],
  ] as const)("refuses %j (%s)", (text, reason) => {
    const result = parseScheduleExpression(text);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.error.length).toBeGreaterThan(10);
  });
});
