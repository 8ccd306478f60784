import pino from "pino";
import { describe, expect, it } from "vitest";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import type { AwsClients } from "../../../src/aws/index.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

const D = 6_000;

describe("the lease window a fenced write attempt is cut to", () => {
  it("is what is left of the holder's window: the whole window after a renew, less as time passes, 0 once it closed", async () => {
    const clock = { t: 0 };
    const leasing = new ControllerLeasing(
      { table: "leases", durationMs: D, shards: 1, shardBy: "cluster", replicaId: "solo" },
      { region: undefined, endpoint: undefined, accountIdHeader: undefined },
      pino({ level: "silent" }),
      { table: new MemoryTable(), now: () => clock.t },
    );
    const web = manifestOf("Service", "web", { cluster: "amber", serviceName: "web", desiredCount: 1, image: "x" } as never);
    leasing.setDesired(new Map([[web.key, web]]), undefined);
    const fenced = leasing.fencedClients({} as AwsClients);
    expect(fenced.writeWindowMs?.(web.key)).toBe(0);
    await leasing.tick();
    // A 6 s lease less its 1.2 s margin.
    expect(fenced.writeWindowMs?.(web.key)).toBe(4_800);
    clock.t = 4_000;
    expect(fenced.writeWindowMs?.(web.key)).toBe(800);
    clock.t = 5_000;
    expect(fenced.writeWindowMs?.(web.key)).toBe(0);
    expect(fenced.writeFence?.(web.key)).toMatch(/does not hold a valid lease/);
  });
});
