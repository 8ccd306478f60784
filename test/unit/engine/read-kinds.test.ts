import { describe, expect, it } from "vitest";
import { readKinds } from "../../../src/engine/read-kinds.js";
import type { KindWaits } from "../../../src/engine/read-kinds.js";
import type { KindPlugin, OthersRun } from "../../../src/resources/kind-plugin.js";
import type { LiveReads } from "../../../src/resources/live-snapshot.js";
import { manifestOf } from "../resources/builders.js";

/*
 * Throwaway kinds through the reader's batched read: one that waits on what the others run (as
 * TaskDefinition does) is read after them and after the step that learns the account, whatever
 * its place in the registry.
 */
type Read = (manifests: readonly unknown[], waits: KindWaits) => Promise<LiveReads>;
const kind = (name: string, read: Read) => ({ kind: name, read });
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
const RUN: OthersRun = { revisions: ["arn:aws:ecs:eu-west-1:1:task-definition/web:3"], latestActive: [] };

async function readAll(kinds: ReturnType<typeof kind>[], log: string[]) {
  const plugins = kinds.map(
    (k) => ({ kind: k.kind, readLive: () => Promise.resolve({}) }) as Pick<KindPlugin<string>, "kind" | "readLive">,
  );
  const manifests = [manifestOf("Service", "web", { cluster: "shop" })];
  return readKinds(
    plugins,
    manifests,
    (plugin, own, waits) => kinds.find((k) => k.kind === plugin.kind)!.read(own, waits),
    async (others) => {
      log.push(`afterOthers ${Object.keys(others).sort().join(",")}`);
      await tick();
      return RUN;
    },
  );
}

describe("readKinds", () => {
  it("answers othersRun once every other read is in and afterOthers ran, even to a kind first in plan order", async () => {
    const log: string[] = [];
    const waiting = kind("Waiting", async (_m, waits) => {
      log.push("waiting asks");
      const run = await waits.othersRun();
      log.push(`waiting gets ${run.revisions.join(",")}`);
      return { latestKnown: new Set(["web"]) };
    });
    const slow = kind("Slow", async () => {
      await tick();
      await tick();
      log.push("slow read");
      return { services: new Map([["Service/shop/web", { serviceName: "web" }]]) };
    });
    const fast = kind("Fast", () => Promise.resolve((log.push("fast read"), { resources: new Map([["Widget/a", { id: "a" }]]) })));
    const read = await readAll([waiting, slow, fast], log);
    expect(log).toEqual(["waiting asks", "fast read", "slow read", "afterOthers resources,services", `waiting gets ${RUN.revisions[0]}`]);
    expect(Object.keys(read).sort()).toEqual(["latestKnown", "resources", "services"]);
  });

  it("runs afterOthers once per snapshot when no kind waits (the account is learned anyway)", async () => {
    const log: string[] = [];
    await readAll([kind("A", () => Promise.resolve({ resources: new Map() }))], log);
    expect(log).toEqual(["afterOthers resources"]);
  });

  it("refuses a second kind waiting on the others instead of waiting forever", async () => {
    const log: string[] = [];
    const waits = (name: string) => kind(name, async (_m, w) => (await w.othersRun(), {}));
    await expect(readAll([waits("First"), waits("Second")], log)).rejects.toThrow(
      "Second and First both wait on every other kind's read: at most one kind's readLive may call othersRun",
    );
  });

  it("refuses a kind reading the answers of the kind that waits on the others, whichever asks first, naming both", async () => {
    const message = "Asker's readLive asked readsOf(\"Waiter\"), and Waiter's readLive waits on every other kind's read (othersRun)";
    const waiter = kind("Waiter", async (_m, w) => (await w.othersRun(), {}));
    const asker = kind("Asker", async (_m, w) => (await w.readsOf("Waiter"), {}));
    // The waiter is waiting when the other asks.
    await expect(readAll([waiter, asker], [])).rejects.toThrow(message);
    // The other asked first: the waiter is refused when it starts waiting.
    const late = kind("Waiter", async (_m, w) => (await tick(), await w.othersRun(), {}));
    await expect(readAll([late, asker], [])).rejects.toThrow(message);
    await expect(readAll([asker, late], [])).rejects.toThrow(message);
  });

  it("refuses a kind reading its own answers, and still lets the waiter read another kind's", async () => {
    const self = kind("Self", async (_m, w) => (await w.readsOf("Self"), {}));
    await expect(readAll([self], [])).rejects.toThrow('Self\'s readLive asked readsOf("Self"), its own read');
    const services = { services: new Map([["Service/shop/web", { serviceName: "web" }]]) };
    const service = kind("Service", () => Promise.resolve(services));
    const waiter = kind("Waiter", async (_m, w) => {
      const read = await w.readsOf("Service");
      await w.othersRun();
      return { latestKnown: new Set([...(read.services?.keys() ?? [])]) };
    });
    expect((await readAll([service, waiter], [])).latestKnown).toEqual(new Set(["Service/shop/web"]));
  });
});
