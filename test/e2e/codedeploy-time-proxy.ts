import { createServer, request } from "node:http";
import { closeServer, listenOnLoopback } from "../support/http-proxy.js";

/**
 * A real HTTP proxy in front of moto_server that forwards everything and fixes one thing:
 * moto 5.2.1 answers CodeDeploy GetDeployment with `createTime` as an ISO string where AWS sends
 * epoch seconds, which the SDK refuses to parse (docs/moto.md#codedeploy).
 */
export async function codeDeployTimeProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const fix = String(req.headers["x-amz-target"] ?? "").startsWith("CodeDeploy_");
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          if (!fix) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const body: Buffer[] = [];
          answer.on("data", (c: Buffer) => body.push(c));
          answer.on("end", () => {
            const text = Buffer.concat(body)
              .toString("utf8")
              .replace(
                /"(createTime|startTime|completeTime)": ?"([^"]+)"/g,
                (_m, field: string, iso: string) => `"${field}": ${Date.parse(iso) / 1000}`,
              );
            const headers = { ...answer.headers, "content-length": String(Buffer.byteLength(text)) };
            res.writeHead(answer.statusCode ?? 502, headers).end(text);
          });
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(Buffer.concat(chunks));
    });
  });
  return { url: await listenOnLoopback(server), close: () => closeServer(server) };
}
