import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config.js";
import { isWindowActive, windowBlocks } from "../../../src/pause/sync-windows.js";
import type { SyncWindow } from "../../../src/pause/sync-windows.js";

const parse = (text: string) => parseConfigText("envs/prod/ecs-gitops.yaml", new TextEncoder().encode(text));

function windowOf(schedule: string, duration: string, kind: "allow" | "deny" = "deny"): SyncWindow {
  const { config, problems } = parse(`syncWindows:\n  - {schedule: "${schedule}", duration: ${duration}, kind: ${kind}}\n`);
  expect(problems).toEqual([]);
  return config.syncWindows[0]!;
}

const WORKER = { kind: "Service", name: "worker", key: "Service/shop/worker", clusters: ["shop"] } as const;

describe("sync windows are validated offline, each problem at its line", () => {
  it.each([
    ["a six-field cron", '  - {schedule: "0 0 22 * * *", duration: 1h, kind: deny}', "InvalidValue", 2, "five fields"],
    ["an out-of-range minute", '  - {schedule: "75 22 * * *", duration: 1h, kind: deny}', "InvalidValue", 2, "not a cron expression"],
    ["a duration without unit", '  - {schedule: "0 22 * * *", duration: "8", kind: deny}', "InvalidValue", 2, "positive duration"],
    ["a duration over a day", '  - {schedule: "0 22 * * *", duration: 25h, kind: deny}', "InvalidValue", 2, "24h"],
    ["an unknown kind of window", '  - {schedule: "0 22 * * *", duration: 1h, kind: block}', "InvalidValue", 2, "allow or deny"],
    ["a missing kind", '  - {schedule: "0 22 * * *", duration: 1h}', "MissingField", 2, "needs kind"],
    ["an unknown field", '  - {schedule: "0 22 * * *", duration: 1h, kind: deny, timezone: UTC}', "UnknownField", 2, "timezone"],
    [
      "an unknown resource kind",
      '  - {schedule: "0 22 * * *", duration: 1h, kind: deny, match: {kinds: [Servce]}}',
      "InvalidValue",
      2,
      "Service",
    ],
    ["a glob that is not a list", '  - {schedule: "0 22 * * *", duration: 1h, kind: deny, match: {names: web}}', "WrongType", 2, "list"],
  ])("%s", (_name, line, code, lineNo, text) => {
    const { config, problems } = parse(`syncWindows:\n${line}\n`);
    expect(problems).toMatchObject([{ code, line: lineNo, file: "envs/prod/ecs-gitops.yaml", message: expect.stringContaining(text) }]);
    expect(config.syncWindows).toEqual([]);
  });

  it("refuses syncWindows that is not a list", () => {
    expect(parse("syncWindows: {schedule: x}\n").problems).toMatchObject([{ code: "WrongType", line: 1 }]);
  });
});

describe("a window is active from each occurrence for its duration (an injected clock)", () => {
  const at = (iso: string) => new Date(iso);
  it("opens at the occurrence and closes when the duration ends, across midnight", () => {
    const window = windowOf("0 22 * * *", "8h");
    expect(isWindowActive(window, at("2026-05-04T21:59:59Z"))).toBe(false);
    expect(isWindowActive(window, at("2026-05-04T22:00:00Z"))).toBe(true);
    expect(isWindowActive(window, at("2026-05-05T05:59:59Z"))).toBe(true);
    expect(isWindowActive(window, at("2026-05-05T06:00:00Z"))).toBe(false);
  });

  it("honours the day of week", () => {
    const weekdays = windowOf("0 9 * * 1-5", "8h", "allow");
    expect(isWindowActive(weekdays, at("2026-05-04T10:00:00Z"))).toBe(true); // Monday
    expect(isWindowActive(weekdays, at("2026-05-09T10:00:00Z"))).toBe(false); // Saturday
  });

  it("deny wins over allow; allow windows confine writes to themselves", () => {
    const allow = windowOf("0 9 * * *", "8h", "allow");
    const deny = windowOf("0 12 * * *", "1h");
    expect(windowBlocks([allow], WORKER, at("2026-05-04T10:00:00Z"))).toBeUndefined();
    expect(windowBlocks([allow], WORKER, at("2026-05-04T20:00:00Z"))).toContain("outside every allow sync window");
    expect(windowBlocks([allow, deny], WORKER, at("2026-05-04T12:30:00Z"))).toContain("inside deny sync window");
    expect(windowBlocks([], WORKER, at("2026-05-04T12:30:00Z"))).toBeUndefined();
  });
});
