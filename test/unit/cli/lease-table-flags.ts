import { createServer } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";
import { runCli } from "../../../src/cli/main.js";

type Heard = { target: string; body: Record<string, unknown>; headers: IncomingHttpHeaders };

/** A DynamoDB endpoint on loopback that creates any table ACTIVE at once, recording each request. */
async function fakeDynamoDb(): Promise<{ url: string; heard: Heard[]; close: () => void }> {
  const heard: Heard[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      const body = JSON.parse(text || "{}") as Record<string, unknown>;
      const target = String(req.headers["x-amz-target"] ?? "").replace(/^DynamoDB_20120810\./, "");
      heard.push({ target, body, headers: req.headers });
      const table = { TableName: body["TableName"], TableStatus: "ACTIVE" };
      const reply = target === "CreateTable" ? { TableDescription: table } : { Table: table };
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, heard, close: () => server.close() };
}

async function createTable(...args: string[]): Promise<{ code: number; heard: Heard[] }> {
  const dynamo = await fakeDynamoDb();
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" });
  try {
    const argv = ["lease-table", "create", ...args].map((a) => a.replace("$URL", dynamo.url));
    const code = await runCli(argv, { out: () => {}, err: () => {} });
    return { code, heard: dynamo.heard };
  } finally {
    process.env = saved;
    dynamo.close();
  }
}

/** `lease-table create`'s own flags, proven against a DynamoDB endpoint on loopback. */
export const LEASE_TABLE_FLAGS: Record<string, () => Promise<void>> = {
  "lease-table create --endpoint-url": async () => {
    const { code, heard } = await createTable("ops-leases", "--endpoint-url", "$URL", "--region", "eu-west-2");
    expect(code).toBe(0);
    expect(heard.map((h) => [h.target, h.body["TableName"]])).toEqual([
      ["CreateTable", "ops-leases"],
      ["DescribeTable", "ops-leases"],
    ]);
  },
  "lease-table create --region": async () => {
    const scopes = async (region: string) =>
      (await createTable("ops-leases", "--endpoint-url", "$URL", "--region", region)).heard.map(
        (h) => /Credential=[^/]+\/\d+\/([^/]+)\/dynamodb\//.exec(String(h.headers.authorization))?.[1],
      );
    expect(await scopes("eu-west-2")).toEqual(["eu-west-2", "eu-west-2"]);
    expect(await scopes("ap-south-1")).toEqual(["ap-south-1", "ap-south-1"]);
  },
};
