import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startThrottleProxy, THROTTLE_RATE_PATH } from "../../../bench/throttle-proxy.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A stand-in for moto: echoes what it received. */
async function echoServer(): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-seen-target": String(req.headers["x-amz-target"]) });
      res.end(JSON.stringify({ echoed: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the bench's throttle proxy (bench/throttle-proxy.ts)", () => {
  it("throttles the chosen calls like AWS, passes the others through whole, and stops when told", async () => {
    const draws = [0.1, 0.9, 0.5, 0.2];
    const proxy = await startThrottleProxy(await echoServer(), 0.3, () => draws.shift() ?? 1);
    closers.push(proxy.stop);
    const call = (body: string) =>
      fetch(`${proxy.endpoint}/`, { method: "POST", body, headers: { "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" } });

    const first = await call("{}");
    expect(first.status).toBe(400);
    expect(await first.json()).toEqual({ __type: "ThrottlingException", message: "Rate exceeded" });

    const second = await call('{"maxResults":7}');
    expect(second.status).toBe(200);
    expect(second.headers.get("x-seen-target")).toBe("AmazonEC2ContainerServiceV20141113.ListClusters");
    expect(await second.json()).toEqual({ echoed: '{"maxResults":7}' });
    expect(proxy.throttled()).toBe(1);

    expect((await fetch(`${proxy.endpoint}${THROTTLE_RATE_PATH}0`, { method: "PUT" })).status).toBe(204);
    // 0.2 would have been throttled at 0.3.
    expect((await call("{}")).status).toBe(200);
    expect((await call("{}")).status).toBe(200);
    expect(proxy.throttled()).toBe(1);
  });
});
