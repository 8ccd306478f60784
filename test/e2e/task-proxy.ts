import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, forwardRequest, listenOnLoopback, readAwsRequest } from "../support/http-proxy.js";

type Json = Record<string, unknown>;

/**
 * An HTTP proxy in front of moto_server for hook tests, doing the two things moto does not: a
 * RunTask that repeats a `clientToken` gets the task the first one started (as ECS does), and a
 * STOPPED task's containers report the exit code the test chose (moto reports 0 for every task).
 * The test stops a task with a real StopTask on moto when it wants it to end.
 */
export class TaskProxy {
  readonly #upstream: string;
  readonly #server: Server;
  readonly #byToken = new Map<string, string>();
  /** RunTask requests received, and how many of them moto executed (new tokens). */
  runTaskRequests = 0;
  tasksStarted = 0;
  readonly clientTokens: string[] = [];
  /** RunTask inputs as sent. */
  readonly runTasks: Json[] = [];
  /** Requests by operation (`UpdateService`, `DescribeTasks` …). */
  readonly seen = new Map<string, number>();
  /** The exit code of a stopped task's containers; default: N when the command override ends in `exit N`, else 0. */
  exitCodeOf: (task: Json) => number = commandExitCode;
  endpoint = "";

  constructor(upstream: string) {
    this.#upstream = upstream;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<string> {
    this.endpoint = await listenOnLoopback(this.#server);
    return this.endpoint;
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { operation, body } = await readAwsRequest(request);
    this.seen.set(operation, (this.seen.get(operation) ?? 0) + 1);
    let token: string | undefined;
    if (operation === "RunTask") {
      this.runTaskRequests += 1;
      const input = JSON.parse(body.toString("utf8")) as Json;
      this.runTasks.push(input);
      token = input["clientToken"] as string | undefined;
      if (token !== undefined) this.clientTokens.push(token);
      const earlier = token === undefined ? undefined : this.#byToken.get(token);
      if (earlier !== undefined) return reply(response, 200, earlier);
    }
    const upstream = await forwardRequest(this.#upstream, request, body);
    if (upstream === undefined) return;
    let text = await upstream.text();
    if (operation === "RunTask" && upstream.ok) {
      this.tasksStarted += 1;
      if (token !== undefined) this.#byToken.set(token, text);
    }
    if (operation === "DescribeTasks" && upstream.ok) text = JSON.stringify(this.#withExitCodes(JSON.parse(text) as Json));
    reply(response, upstream.status, text, upstream.headers.get("content-type") ?? undefined);
  }

  #withExitCodes(output: Json): Json {
    const tasks = Array.isArray(output["tasks"]) ? (output["tasks"] as Json[]) : [];
    for (const task of tasks) {
      if (task["lastStatus"] !== "STOPPED") continue;
      const code = this.exitCodeOf(task);
      for (const container of Array.isArray(task["containers"]) ? (task["containers"] as Json[]) : []) {
        container["exitCode"] = code;
        container["lastStatus"] = "STOPPED";
      }
    }
    return output;
  }
}

function reply(response: ServerResponse, status: number, text: string, contentType = "application/x-amz-json-1.1"): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(text);
}

function commandExitCode(task: Json): number {
  const overrides = (task["overrides"] ?? {}) as Json;
  const containers = Array.isArray(overrides["containerOverrides"]) ? (overrides["containerOverrides"] as Json[]) : [];
  const command = containers.flatMap((c) => (Array.isArray(c["command"]) ? (c["command"] as string[]) : [])).join(" ");
  const match = /exit (\d+)$/.exec(command);
  return match ? Number(match[1]) : 0;
}
