import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/controller/log.js";
import { bearerAuthorized } from "../../../src/http/auth.js";
import { SuspendStore } from "../../../src/pause/suspensions.js";

const log = createLogger({ level: "silent" });

async function store(): Promise<{ file: string; open: () => Promise<SuspendStore> }> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), "suspend-")), "suspended.json");
  return {
    file,
    open: async () => {
      const s = new SuspendStore(file, log);
      await s.restore();
      return s;
    },
  };
}

describe("SuspendStore", () => {
  it("keeps some keys, all keys, and exceptions across a restart", async () => {
    const { open } = await store();
    const first = await open();
    expect(first.isSuspended("Service/shop/web")).toBe(false);
    await first.suspend(["Service/shop/web"]);
    expect((await open()).isSuspended("Service/shop/web")).toBe(true);
    expect((await open()).isSuspended("Service/shop/worker")).toBe(false);
    await first.suspend("all");
    await first.resume(["Service/shop/web"]);
    const again = await open();
    expect([again.isSuspended("Service/shop/web"), again.isSuspended("Service/shop/worker")]).toEqual([false, true]);
    await again.resume("all");
    expect((await open()).isSuspended("Service/shop/worker")).toBe(false);
  });

  it("suspends everything when its record is unreadable", async () => {
    const { file, open } = await store();
    await writeFile(file, "{not json");
    expect((await open()).isSuspended("TaskDefinition/web")).toBe(true);
    await writeFile(file, JSON.stringify({ all: "yes", keys: [], except: [] }));
    expect((await open()).isSuspended("TaskDefinition/web")).toBe(true);
  });

  it("has the change on disk when it answers", async () => {
    const { file, open } = await store();
    await (await open()).suspend(["ScheduledRule/default/nightly"]);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ all: false, keys: ["ScheduledRule/default/nightly"], except: [] });
  });
});

describe("bearerAuthorized", () => {
  it.each([
    ["Bearer s3cret", true],
    ["bearer s3cret", true],
    ["Bearer  s3cret ", true],
    ["Bearer s3cre", false],
    ["Bearer s3cret2", false],
    ["Basic s3cret", false],
    ["s3cret", false],
    ["Bearer ", false],
  ])("%j → %s", (header, ok) => expect(bearerAuthorized(header, "s3cret")).toBe(ok));

  it("authorizes nothing without a header or with an empty token", () => {
    expect(bearerAuthorized(undefined, "s3cret")).toBe(false);
    expect(bearerAuthorized("Bearer ", "")).toBe(false);
  });
});
