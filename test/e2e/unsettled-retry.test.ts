import type { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { editFile } from "./desired-repo.js";
import { MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";
import type { ExamplesAccount } from "../support/examples-account.js";
import { motoClients } from "./moto-clients.js";

const endpoint = inject("motoEndpoint");
const WORKER = "Service/shop/worker";

const writesOf = (calls: Record<string, number>) => Object.keys(calls).filter((op) => !/:(Describe|List)/.test(op));

/**
 * Self-heal off. Right after a deploy, the next look may re-send what the write itself did not
 * achieve (moto ignores some CreateService fields), but a hand change made in between is drift:
 * reported, never reverted.
 */
describe("the look right after a deploy (self-heal off)", () => {
  let account: ExamplesAccount;
  let aws: AwsClients;
  let ecs: ECSClient;
  let harness: WaveHarness;
  let dir: string;

  beforeAll(async () => {
    account = await examplesAccount(endpoint);
    ({ ecs, dir } = account);
    aws = motoClients(endpoint, account.accountId);
    harness = new WaveHarness({ aws, region: MOTO_REGION });
  });

  afterAll(async () => {
    await harness?.stop();
    if (aws) destroyAwsClients(aws);
    account?.destroy();
  });

  const worker = async () => (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"] }))).services?.[0];

  it("finishes what the write left undone, once", async () => {
    const loaded = await harness.load(dir, "commit-1");
    expect((await harness.sync(loaded.keys)).failed).toEqual([]);
    // moto dropped deploymentConfiguration & co. from CreateService: the next look sends them.
    const before = harness.calls();
    await harness.sync(loaded.keys);
    expect(writesOf(callsBetween(before, harness.calls()))).toEqual(["ecs:UpdateService"]);
    expect(harness.status.get(WORKER)?.sync).toBe("Synced");
  });

  it.each([
    ["the field the deploy wrote", { desiredCount: 9 }, (s: Awaited<ReturnType<typeof worker>>) => s?.desiredCount, 9],
    ["another field", { enableExecuteCommand: true }, (s: Awaited<ReturnType<typeof worker>>) => s?.enableExecuteCommand, true],
  ] as const)("reports a hand change to %s made right after a deploy as drift and keeps it", async (_what, hand, read, kept) => {
    // In sync before the deploy: a look with nothing to do.
    const settled = harness.calls();
    await harness.sync([WORKER]);
    expect(writesOf(callsBetween(settled, harness.calls()))).toEqual([]);
    const count = (await worker())?.desiredCount ?? 0;
    await editFile(dir, "worker/service.yaml", (t) => t.replace(/desiredCount: \d+/, `desiredCount: ${count + 1}`));
    const loaded = await harness.load(dir, `deploy-${count}`);
    let before = harness.calls();
    await harness.sync(loaded.keys);
    // The deploy: the new count, and the spec-hash tag that records it.
    expect(writesOf(callsBetween(before, harness.calls()))).toEqual(["ecs:TagResource", "ecs:UpdateService"]);

    await ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", ...hand }));
    before = harness.calls();
    await harness.sync(loaded.keys);
    expect(writesOf(callsBetween(before, harness.calls()))).toEqual([]);
    expect(harness.status.get(WORKER)).toMatchObject({ sync: "OutOfSync", message: expect.stringContaining("drift") });
    expect(read(await worker())).toBe(kept);

    // Put back by hand: in sync again, for the next case.
    await ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: count + 1, enableExecuteCommand: false }));
    await harness.sync(loaded.keys);
  });
});
