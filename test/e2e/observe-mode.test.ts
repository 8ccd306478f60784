import { createServer, request } from "node:http";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { CreateEventBusCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, inject, it } from "vitest";
import { createWorld, eventually, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";
import { closeServer, listenOnLoopback } from "../support/http-proxy.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const endpoint = inject("motoEndpoint");

type Seen = { operation: string; body: string };

/** A real HTTP proxy in front of moto_server that records every AWS request passing through. */
async function recordingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      // ECS and EventBridge both speak JSON 1.1: the operation is the X-Amz-Target suffix.
      seen.push({
        operation:
          String(req.headers["x-amz-target"] ?? "")
            .split(".")
            .pop() ?? "",
        body: body.toString("utf8"),
      });
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  return { url: await listenOnLoopback(server), seen, close: () => closeServer(server) };
}

const isRead = (operation: string) => /^(Describe|List|Get)/.test(operation);

describe("--mode observe with an alert bus", () => {
  it("makes no AWS write but PutEvents of its alerts to the alert bus", async () => {
    const world = await createWorld(endpoint);
    const syncer = await runController(world, { resyncMs: 500 });
    await syncer.converged();
    await syncer.stop();
    await world.events.send(new CreateEventBusCommand({ Name: "ops-alerts" }));
    const proxy = await recordingProxy(world.endpoint);
    const run = await runController(
      { ...world, endpoint: proxy.url },
      { resyncMs: 500, mode: "observe", selfHeal: true, alertEventBus: "ops-alerts" },
    );
    try {
      await run.converged();
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
      await eventually(
        () => proxy.seen.some((s) => s.operation === "PutEvents" && s.body.includes("drift.opened")),
        15_000,
        "the drift alert on the bus",
      );
      await run.cycles("Service/shop/worker", 3);
      const writes = proxy.seen.filter((s) => !isRead(s.operation));
      expect(proxy.seen.filter((s) => isRead(s.operation)).length).toBeGreaterThan(0);
      expect([...new Set(writes.map((s) => s.operation))]).toEqual(["PutEvents"]);
      for (const write of writes) {
        const entries = (JSON.parse(write.body) as { Entries: { EventBusName?: string }[] }).Entries;
        expect(entries.map((e) => e.EventBusName)).toEqual(entries.map(() => "ops-alerts"));
      }
      expect(
        Object.keys(run.controller.calls.snapshot().byOperation).filter(
          (op) => run.controller.calls.snapshot().byOperation[op]!.kind === "write",
        ),
      ).toEqual(["events:PutEvents"]);
    } finally {
      await run.stop();
      await proxy.close();
      await world.close();
    }
  }, 60_000);
});
