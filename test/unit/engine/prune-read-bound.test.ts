import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients } from "../../../src/aws/clients.js";
import { InventoryReader } from "../../../src/engine/prune/inventory.js";
import { prunablePlugins } from "../../../src/engine/prune/kinds.js";
import { DEFAULT_READ_CONCURRENCY } from "../../../src/engine/live-cache.js";

/** An ECS endpoint that answers each ListTaskDefinitions after a pause, counting the calls it holds at once. */
function slowEcs() {
  const seen = { calls: 0, inFlight: 0, most: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.calls += 1;
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      setTimeout(() => {
        seen.inFlight -= 1;
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ taskDefinitionArns: [] }));
      }, 15);
    });
  });
  return { server, seen };
}

describe("the prune pass's per-family reads", () => {
  const { server, seen } = slowEcs();
  let endpoint = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("are sent a few at a time, not all at once into the HTTP agent's queue", async () => {
    const aws = createAwsClients({ region: "eu-central-1", endpoint, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "s" } });
    const families = Array.from({ length: 70 }, (_, i) => `batch-${i}`);
    const plugins = prunablePlugins().filter((p) => p.kind === "TaskDefinition");
    const named = new Set(families.map((f) => `TaskDefinition/${f}`));
    const inventory = await new InventoryReader(aws, plugins).read({ TaskDefinition: families }, named, () => 10);
    expect(inventory.get("TaskDefinition")?.map((r) => r.name)).toEqual(families);
    expect(seen.calls).toBe(70);
    // Every family's listing was asked for at once before: as many in flight as the agent has sockets (50).
    expect(seen.most).toBeLessThanOrEqual(DEFAULT_READ_CONCURRENCY);
    expect(seen.most).toBeGreaterThan(1);
  });
});
