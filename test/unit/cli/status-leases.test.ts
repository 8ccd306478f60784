import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { EXIT_STANDBY } from "../../../src/cli/status-leases.js";
import type { StatusDocument } from "../../../src/state/status.js";

/* `ecs-gitops status` against a real HTTP server serving a replica's /status. */

const base: StatusDocument = {
  commit: "4f1c2d9e8b7a",
  source: { url: "file:///repo", branch: "main", path: "." },
  ready: true,
  resources: [],
  manifestErrors: [],
};
const leases = (held: boolean[], extra: Partial<NonNullable<StatusDocument["leases"]>> = {}): NonNullable<StatusDocument["leases"]> => ({
  replica: "r-2",
  table: "ops-leases",
  shardBy: "cluster",
  replicas: ["r-1", "r-2"],
  shards: held.map((h, shard) => ({ shard, holder: h ? "r-2" : "r-1", held: h })),
  ...extra,
});

describe("ecs-gitops status with leases", () => {
  let doc: StatusDocument = base;
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc)));
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function status(): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runCli(["status", "--url", url], { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  }

  it(`a replica holding no shard exits ${EXIT_STANDBY}, not 0 on its empty list, and names the holder`, async () => {
    doc = { ...base, leases: leases([false, false]) };
    const { code, out, err } = await status();
    expect(code).toBe(EXIT_STANDBY);
    expect(out).toMatch(/leases: replica r-2, table ops-leases, shard-by cluster; replicas alive: r-1, r-2/);
    expect(out).toMatch(/shard 0 {2}held by r-1/);
    expect(err).toMatch(/replica r-2 holds no shard, so it reconciles no resource: ask the replica holding them \(r-1\)/);
  });

  it("says why when the replica's shard layout is not the table's", async () => {
    doc = { ...base, leases: leases([false], { layoutMismatch: "this replica's shard layout (shards=4 …) is not the one recorded" }) };
    const { code, out, err } = await status();
    expect(code).toBe(EXIT_STANDBY);
    expect(out).toMatch(/layout mismatch: this replica's shard layout/);
    expect(err).toMatch(/it holds none because this replica's shard layout/);
  });

  it("a replica holding a shard exits by its resources as before, with the lease block printed", async () => {
    doc = {
      ...base,
      leases: leases([true, false]),
      resources: [{ key: "Service/blue/api", kind: "Service", name: "api", sync: "Synced", health: "Healthy" }],
    };
    const synced = await status();
    expect(synced.code).toBe(0);
    expect(synced.out).toMatch(/shard 0 {2}held here/);
    doc = { ...doc, resources: [{ key: "Service/blue/api", kind: "Service", name: "api", sync: "OutOfSync", health: "Healthy" }] };
    expect((await status()).code).toBe(1);
    // Without leases (one unleased replica) an empty list is still "all synced".
    doc = base;
    expect((await status()).code).toBe(0);
  });
});
