import { createServer, request } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** `PUT <endpoint>/bench-throttle-rate/0.1`: the share of calls throttled from then on. */
export const THROTTLE_RATE_PATH = "/bench-throttle-rate/";

export type ThrottleProxy = { endpoint: string; throttled: () => number; stop: () => Promise<void> };

/**
 * A loopback proxy in front of moto that answers a `rate` share of the AWS API calls (JSON
 * protocols POST to "/") with a ThrottlingException, as AWS does under load, and passes the rest
 * through. It runs in the bench's parent process, not in the measured one: nock in the measured
 * process kept every passed-through request (~60 KB of heap per call), so the throttled phases
 * measured nock, not the controller (docs/scale.md#the-throttled-phases-rss).
 */
export async function startThrottleProxy(target: string, initialRate: number, random: () => number = Math.random): Promise<ThrottleProxy> {
  const upstream = new URL(target);
  let throttled = 0;
  let rate = initialRate;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // The body is read either way: a throttled call was sent in full, as it is to AWS.
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "PUT" && req.url?.startsWith(THROTTLE_RATE_PATH)) {
        const next = Number(req.url.slice(THROTTLE_RATE_PATH.length));
        if (Number.isFinite(next)) rate = next;
        res.writeHead(Number.isFinite(next) ? 204 : 400).end();
        return;
      }
      if (req.method === "POST" && req.url === "/" && random() < rate) {
        throttled++;
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`throttle proxy: ${error.message}`);
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled: () => throttled,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
