import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, forwardRequest, listenOnLoopback, readAwsRequest } from "../support/http-proxy.js";

/**
 * How a request chosen to fail is answered once moto has applied it: a lost response (500,
 * connection reset) or a throttle answered after the request went through.
 */
export type Fault = "500" | "reset" | "throttle";

export type FaultPlan = { operation: string; fault: Fault; times: number };

/**
 * A request the proxy keeps on the wire: neither forwarded nor answered until the test decides.
 * `seen` resolves (with when it arrived) as soon as it is held; `drop` loses it (connection reset,
 * never sent to moto); `release` forwards it now and answers as usual.
 */
export type HeldRequest = { seen: Promise<number>; drop(): void; release(): void };

/**
 * An HTTP proxy in front of moto_server: every request is forwarded and applied; a request whose
 * `X-Amz-Target` names the operation of the current plan then loses its response (up to `times`
 * times). `seen` counts the requests moto received per operation.
 */
export class FaultProxy {
  readonly #upstream: string;
  readonly #server: Server;
  #plan: FaultPlan | undefined;
  /** Requests moto received (applied), by operation. */
  readonly seen = new Map<string, number>();
  /** Every request forwarded to moto, in order: when (Date.now()) and its body (for tests that attribute writes). */
  readonly requests: { operation: string; at: number; body: string }[] = [];
  endpoint = "";
  /** Share of requests answered with a throttle before they reach moto (as AWS throttles). */
  throttleRate = 0;
  /** The next `times` requests of `operation` (whose body contains `match`) are answered with a throttle before they reach moto. */
  refuse: { operation: string; match?: string; times: number } | undefined;
  readonly #random: () => number;
  #hold: { operation: string; match: string; arrived: (at: number) => void; decided: Promise<"drop" | "release"> } | undefined;

  constructor(upstream: string, random: () => number = Math.random) {
    this.#upstream = upstream;
    this.#random = random;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<string> {
    this.endpoint = await listenOnLoopback(this.#server);
    return this.endpoint;
  }

  /** The next `times` requests of `operation` (`RegisterTaskDefinition`, or a whole target `AWSEvents.TagResource`) lose their response. */
  failNext(plan: FaultPlan | undefined): void {
    this.#plan = plan;
    this.seen.clear();
  }

  /** Holds the next request of `operation` whose body contains `match` (see HeldRequest). */
  holdNext(operation: string, match: string): HeldRequest {
    let arrived!: (at: number) => void;
    let decide!: (how: "drop" | "release") => void;
    const seen = new Promise<number>((resolve) => (arrived = resolve));
    const decided = new Promise<"drop" | "release">((resolve) => (decide = resolve));
    this.#hold = { operation, match, arrived, decided };
    return { seen, drop: () => decide("drop"), release: () => decide("release") };
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { target, operation, body: sent } = await readAwsRequest(request);
    const refuse = this.refuse;
    const refused =
      refuse !== undefined && refuse.operation === operation && refuse.times > 0 && sent.toString("utf8").includes(refuse.match ?? "");
    if (refused) refuse.times -= 1;
    if (refused || (this.throttleRate > 0 && this.#random() < this.throttleRate)) {
      response.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
      return;
    }
    const hold = this.#hold;
    if (hold !== undefined && hold.operation === operation && sent.toString("utf8").includes(hold.match)) {
      this.#hold = undefined;
      hold.arrived(Date.now());
      if ((await hold.decided) === "drop") {
        request.socket.destroy();
        return;
      }
    }
    this.seen.set(operation, (this.seen.get(operation) ?? 0) + 1);
    this.requests.push({ operation, at: Date.now(), body: sent.toString("utf8") });
    const upstream = await forwardRequest(this.#upstream, request, sent);
    if (upstream === undefined) return;
    const body = Buffer.from(await upstream.arrayBuffer());
    const plan = this.#plan;
    if (plan !== undefined && plan.times > 0 && (plan.operation === operation || plan.operation === target)) {
      plan.times -= 1;
      if (plan.fault === "reset") {
        request.socket.destroy();
        return;
      }
      const [status, type] = plan.fault === "500" ? [500, "InternalFailure"] : [400, "ThrottlingException"];
      response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ __type: type, message: "injected after the request was applied" }));
      return;
    }
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/x-amz-json-1.1" });
    response.end(body);
  }
}
