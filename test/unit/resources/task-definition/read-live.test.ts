import { describe, expect, it } from "vitest";
import type { AwsClients } from "../../../../src/aws/index.js";
import { LiveCache } from "../../../../src/engine/live-cache.js";
import type { KindReadIo, OthersRun } from "../../../../src/resources/kind-plugin.js";
import type { LiveSnapshot } from "../../../../src/resources/live-snapshot.js";
import { taskDefinitionPlugin } from "../../../../src/resources/task-definition/plugin.js";
import { SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf } from "../builders.js";

const ACCOUNT = "111122223333";
const arnOf = (family: string, revision: number) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${family}:${revision}`;
const web = manifestOf("TaskDefinition", "web", { containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }] });

/** An ECS that knows some revisions and answers each describe a few ms later (so callers overlap); every describe is counted. */
function ecsOf(latest: Record<string, number | undefined>) {
  const described: string[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const asked = String(command.input["taskDefinition"]);
    described.push(asked);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [family = "", revision] = asked.includes(":") ? (asked.split("/").at(-1) ?? "").split(":") : [asked, String(latest[asked])];
    if (revision === "undefined") return { taskDefinition: undefined };
    const arn = arnOf(family, Number(revision));
    return {
      taskDefinition: { taskDefinitionArn: arn, family, revision: Number(revision), status: "ACTIVE", containerDefinitions: [] },
      tags: [{ key: SPEC_HASH_TAG, value: "0123456789abcdef" }],
    };
  };
  return { aws: { ecs: { send } } as unknown as AwsClients, described };
}

/** The io the reader hands a kind: here its cache is the real one, its AWS the fake, what the others run is given. */
function ioOf(aws: AwsClients, cache: LiveCache, run: OthersRun, again?: LiveSnapshot): KindReadIo {
  return {
    aws,
    read: (call) => call(),
    cache,
    now: () => 1_000,
    defaultCluster: undefined,
    readsOf: () => Promise.resolve({}),
    othersRun: () => Promise.resolve(run),
    again,
  };
}

const cacheOf = () => new LiveCache({ accountId: undefined, refreshMs: 3_600_000, now: () => 1_000, random: () => 0.5 });
const running = (...revisions: number[]): OthersRun => ({ revisions: revisions.map((r) => arnOf("web", r)), latestActive: [] });

describe("the TaskDefinition plug-in's readLive", () => {
  it("cold: one describe by family answers both the revision in use and the latest", async () => {
    const { aws, described } = ecsOf({ web: 7 });
    const read = await taskDefinitionPlugin.readLive([web], ioOf(aws, cacheOf(), running(7)));
    expect(described).toEqual(["web"]);
    expect(read.revisions?.get("web")?.map((r) => r.arn)).toEqual([arnOf("web", 7)]);
    expect(read.latestKnown).toEqual(new Set(["web"]));
  });

  it("describes each revision ARN once, even for two waves reading at the same time", async () => {
    const { aws, described } = ecsOf({ web: 9 });
    const cache = cacheOf();
    // Warm: the family's latest is known (web:9, not described yet), so nothing is read by family.
    cache.latest.set("web", { arn: arnOf("web", 9), expiresAt: 10_000 });
    const [first, second] = await Promise.all([
      taskDefinitionPlugin.readLive([web], ioOf(aws, cache, running(3, 9))),
      taskDefinitionPlugin.readLive([web], ioOf(aws, cache, running(9, 3))),
    ]);
    expect([...described].sort()).toEqual([arnOf("web", 3), arnOf("web", 9)]);
    expect(first.revisions?.get("web")?.map((r) => r.revision)).toEqual([3, 9]);
    expect(second.revisions?.get("web")?.map((r) => r.revision)).toEqual([9, 3]);
    expect(cache.describing.size).toBe(0);

    // A third wave reads nothing: both revisions are cached by ARN.
    await taskDefinitionPlugin.readLive([web], ioOf(aws, cache, running(3)));
    expect(described).toHaveLength(2);
  });

  it("reads the latest ACTIVE revision of a family only the others name by an ARN without a revision, every time", async () => {
    const { aws, described } = ecsOf({ web: 2, batch: 5 });
    const cache = cacheOf();
    const run = { revisions: [arnOf("web", 2)], latestActive: ["batch", "web"] };
    const read = await taskDefinitionPlugin.readLive([web], ioOf(aws, cache, run));
    expect(read.latestActive).toEqual(new Map([["batch", arnOf("batch", 5)]]));
    await taskDefinitionPlugin.readLive([web], ioOf(aws, cache, run));
    expect(described).toEqual(["web", "batch", "batch"]);
  });

  it("read again (a plan about to register): the family's latest revision, read afresh", async () => {
    const latest = { web: 2 };
    const { aws, described } = ecsOf(latest);
    const cache = cacheOf();
    const first = await taskDefinitionPlugin.readLive([web], ioOf(aws, cache, running(2)));
    expect(described).toEqual(["web"]);
    latest.web = 4; // registered by hand since
    const snapshot: LiveSnapshot = {
      accountId: ACCOUNT,
      revisions: first.revisions ?? new Map(),
      latestKnown: new Set(),
      services: new Map(),
      rules: new Map(),
    };
    const again = await taskDefinitionPlugin.readLive([web], ioOf(aws, cache, running(2), snapshot));
    expect(described).toEqual(["web", "web"]);
    expect(again.revisions?.get("web")?.map((r) => r.revision)).toEqual([2, 4]);
    expect(again.latestKnown).toEqual(new Set(["web"]));
  });
});
