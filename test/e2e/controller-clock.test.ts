import { describe, expect, inject, it } from "vitest";
import { createWorld, eventually, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
process.env["AWS_REGION"] ??= MOTO_REGION;

const endpoint = inject("motoEndpoint");

// Years away from the machine's clock, so a part that reads the system clock cannot match it by chance.
const FROZEN = new Date("2034-11-23T17:45:12.000Z");

describe("one clock for the whole controller", () => {
  it("stamps the source, every applied resource and each deploy with the injected clock", { timeout: 90_000 }, async () => {
    const world = await createWorld(endpoint);
    const run = await runController(world, { resyncMs: 500, now: () => new Date(FROZEN) });
    try {
      await run.converged();
      const status = await eventually(
        async () => {
          const s = await run.status();
          const web = s.resources.find((r) => r.key === "Service/shop/web");
          return web?.lastAppliedAt !== undefined && (web.history?.length ?? 0) > 0 ? s : undefined;
        },
        10_000,
        "web applied with a deploy record",
      );
      expect(status.source.lastFetchAt).toBe(FROZEN.toISOString());
      const applied = status.resources.filter((r) => r.lastAppliedAt !== undefined);
      expect(applied.map((r) => r.key)).toContain("TaskDefinition/web");
      for (const r of applied) expect({ key: r.key, at: r.lastAppliedAt }).toEqual({ key: r.key, at: FROZEN.toISOString() });
      const web = status.resources.find((r) => r.key === "Service/shop/web");
      expect(web?.history?.[0]?.startedAt).toBe(FROZEN.toISOString());
    } finally {
      await run.stop();
      await world.close();
    }
  });
});
