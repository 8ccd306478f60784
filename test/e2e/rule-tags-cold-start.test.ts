import { rm } from "node:fs/promises";
import { EventBridgeClient, ListRulesCommand, ListTagsForResourceCommand } from "@aws-sdk/client-eventbridge";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { budgetOf } from "../../bench/fleet.js";
import type { FleetScale } from "../../bench/fleet.js";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { fleetAccount } from "./fleet-account.js";
import { motoClients } from "./moto-clients.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

const endpoint = inject("motoEndpoint");
const SCALE: FleetScale = { services: 6, families: 12, rules: 12, clusters: 1 };
const GET_RESOURCES = "ResourceGroupsTaggingAPI_20170126.GetResources";
const JSON_11 = { "content-type": "application/x-amz-json-1.1" };

type Mapping = { ResourceARN: string; Tags: { Key: string; Value: string }[] };

/**
 * A restart's rule ownership through the Resource Groups Tagging API. moto_server answers
 * GetResources for `events:rule` with an empty list, so the answer AWS would give (the rules
 * moto holds, with the tags moto holds) is served by nock in front of it; every other call goes
 * to moto. Without an answer (moto as is, or an error) each rule's tags are read one by one.
 */
describe(`cold start: rule tags from GetResources, 100 a page, or one by one (R=${SCALE.rules})`, () => {
  let dir: string;
  let aws: AwsClients;
  let mappings: Mapping[];
  let keys: string[];

  beforeAll(async () => {
    const fleet = await fleetAccount(endpoint, SCALE, "rule-tags");
    const accountId = fleet.accountId;
    dir = fleet.dir;
    aws = motoClients(endpoint, accountId);
    const first = new WaveHarness({ aws, region: MOTO_REGION });
    try {
      const loaded = await first.load(dir, "commit-1");
      keys = loaded.keys;
      expect((await first.sync(keys)).failed).toEqual([]);
    } finally {
      await first.stop();
    }
    // What the Tagging API would answer: every rule with its tags, as moto holds them.
    const events = new EventBridgeClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    applyMotoAccountHeader(events.middlewareStack, accountId);
    const rules = (await events.send(new ListRulesCommand({}))).Rules ?? [];
    mappings = [];
    for (const rule of rules) {
      const tags = (await events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn }))).Tags ?? [];
      mappings.push({ ResourceARN: rule.Arn ?? "", Tags: tags.map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" })) });
    }
    events.destroy();
    expect(mappings).toHaveLength(SCALE.rules);
  });

  afterEach(() => nock.cleanAll());

  afterAll(async () => {
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A restart: a new reader and empty caches; the calls of its first and second wave. */
  async function restart(): Promise<{ first: Record<string, number>; second: Record<string, number> }> {
    const harness = new WaveHarness({ aws, region: MOTO_REGION });
    try {
      const loaded = await harness.load(dir, "commit-1");
      const before = harness.calls();
      const run = await harness.sync(loaded.keys);
      expect(run.failed).toEqual([]);
      expect(run.notSynced).toEqual([]);
      const middle = harness.calls();
      await harness.sync(loaded.keys);
      return { first: callsBetween(before, middle), second: callsBetween(middle, harness.calls()) };
    } finally {
      await harness.stop();
    }
  }

  /** nock answers GetResources (in pages of `perPage`) with `served`; everything else reaches moto. */
  function serveGetResources(served: Mapping[], perPage: number): nock.Scope {
    const scope = nock(endpoint, { allowUnmocked: true });
    for (let page = 0; page * perPage < served.length; page += 1) {
      const token = page === 0 ? undefined : `page-${page}`;
      const last = (page + 1) * perPage >= served.length;
      scope
        .post(
          "/",
          (body: Record<string, unknown>) =>
            body["PaginationToken"] === token && JSON.stringify(body["ResourceTypeFilters"]) === '["events:rule"]',
        )
        .matchHeader("x-amz-target", GET_RESOURCES)
        .reply(
          200,
          JSON.stringify({
            ResourceTagMappingList: served.slice(page * perPage, (page + 1) * perPage),
            PaginationToken: last ? "" : `page-${page + 1}`,
          }),
          JSON_11,
        );
    }
    return scope;
  }

  it("every page of owned rules answered: no ListTagsForResource at all", async () => {
    const scope = serveGetResources(mappings, 5);
    const calls = await restart();
    expect(scope.isDone()).toBe(true);
    const { "events:ListTagsForResource": perRule, ...rest } = budgetOf(SCALE, "restart");
    expect(perRule).toBe(SCALE.rules);
    expect(calls.first).toEqual({ ...rest, "tag:GetResources": Math.ceil(SCALE.rules / 5) });
    expect(calls.second).toEqual(budgetOf(SCALE, "noop"));
  });

  it("a rule the Tagging API does not return yet (its index lags) is read on its own", async () => {
    const scope = serveGetResources(mappings.slice(1), 100);
    const calls = await restart();
    expect(scope.isDone()).toBe(true);
    expect(calls.first["tag:GetResources"]).toBe(1);
    expect(calls.first["events:ListTagsForResource"]).toBe(1);
  });

  it("an endpoint without the API for rules (moto as is) or without permission: one rule at a time", async () => {
    const calls = await restart();
    expect(calls.first).toEqual({ ...budgetOf(SCALE, "restart"), "tag:GetResources": 1 });
    nock(endpoint, { allowUnmocked: true })
      .post("/")
      .matchHeader("x-amz-target", GET_RESOURCES)
      .reply(400, JSON.stringify({ __type: "AccessDeniedException", message: "not authorized to perform tag:GetResources" }), JSON_11);
    const denied = await restart();
    expect(denied.first["tag:GetResources"]).toBe(1);
    expect(denied.first["events:ListTagsForResource"]).toBe(SCALE.rules);
  });
});
