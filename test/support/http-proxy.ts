import type { IncomingMessage, Server } from "node:http";

/** Starts `server` on a free loopback port; its base URL (`http://127.0.0.1:PORT`). */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
}

/** Stops `server`, closing the connections still open (a held request, a client's keep-alive socket). */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An AWS JSON 1.1 request (ECS, EventBridge) as a proxy reads it: its X-Amz-Target, the operation it names, its body. */
export async function readAwsRequest(request: IncomingMessage): Promise<{ target: string; operation: string; body: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = String(request.headers["x-amz-target"] ?? "");
  return { target, operation: target.slice(target.lastIndexOf(".") + 1), body: Buffer.concat(chunks) };
}

/**
 * Sends a request already read to `upstream` as it came; undefined when upstream did not answer,
 * after resetting the client's connection (what a client sees of an endpoint gone away).
 */
export async function forwardRequest(upstream: string, request: IncomingMessage, body: Buffer): Promise<Response | undefined> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers))
    if (typeof value === "string" && name !== "host" && name !== "content-length") headers.set(name, value);
  try {
    return await fetch(`${upstream}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers,
      body: body.length > 0 ? body : null,
    });
  } catch {
    request.socket.destroy();
    return undefined;
  }
}
