import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { Registry } from "prom-client";
import { pauseRoutes } from "../../src/http/pause-api.js";
import { ControllerHttpServer } from "../../src/http/server.js";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createLeaseTable } from "../../src/aws/lease-table.js";
import { SuspendRecordTable } from "../../src/aws/suspend-record.js";
import type { StoredRecord } from "../../src/aws/suspend-record.js";
import { SharedSuspendStore } from "../../src/pause/shared-suspensions.js";
import type { SuspendTarget } from "../../src/pause/suspensions.js";
import { suspensionsFor } from "../../src/pause/suspensions-setup.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

/*
 * Suspensions shared through moto's DynamoDB: two stores stand for two replicas of one lease
 * table. Polling is driven by hand (refresh), so timing plays no part.
 */

const endpoint = inject("motoEndpoint");
const log = pino({ level: "silent" });
const WEB = "Service/shop/web";
const API = "Service/shop/api";

describe("suspensions shared by replicas through the lease table", () => {
  let accountId: string;
  const opened: SuspendRecordTable[] = [];

  beforeAll(() => {
    process.env["AWS_ACCESS_KEY_ID"] = MOTO_CREDENTIALS.accessKeyId;
    process.env["AWS_SECRET_ACCESS_KEY"] = MOTO_CREDENTIALS.secretAccessKey;
  });
  afterEach(() => {
    for (const table of opened.splice(0)) table.destroy();
  });

  async function newTable(name: string): Promise<() => SuspendRecordTable> {
    accountId = newAccountId();
    const options = { table: name, region: MOTO_REGION, endpoint, accountIdHeader: accountId };
    expect(await createLeaseTable(options)).toBe("created");
    return () => {
      const table = new SuspendRecordTable(options);
      opened.push(table);
      return table;
    };
  }

  function replica(table: SuspendRecordTable) {
    const changes: SuspendTarget[] = [];
    const store = new SharedSuspendStore(table, log, (target) => changes.push(target));
    return { store, changes };
  }

  it("a suspend sent to one replica reaches the other at its next read, and so does the resume", async () => {
    const open = await newTable("pair");
    const a = replica(open());
    const b = replica(open());
    await a.store.refresh();
    await b.store.refresh();
    expect([a.store.isSuspended(WEB), b.store.isSuspended(WEB)]).toEqual([false, false]);
    // The first read lifts the "everything" a replica assumes before it: all of it is reconciled again.
    expect([a.changes, b.changes]).toEqual([["all"], ["all"]]);
    a.changes.length = 0;
    b.changes.length = 0;

    expect(await a.store.suspend([WEB])).toEqual({ all: false, keys: [WEB], except: [] });
    expect(a.store.isSuspended(WEB)).toBe(true);
    expect(b.store.isSuspended(WEB)).toBe(false);
    await b.store.refresh();
    expect(b.store.isSuspended(WEB)).toBe(true);
    expect(b.store.isSuspended(API)).toBe(false);
    expect(b.changes).toEqual([[WEB]]);

    await b.store.resume([WEB]);
    await a.store.refresh();
    expect(a.store.isSuspended(WEB)).toBe(false);
    expect(a.changes).toEqual([[WEB]]);
    // Nothing changed since: another read reports nothing.
    await a.store.refresh();
    expect(a.changes).toEqual([[WEB]]);
  });

  it("a replica that starts later (a takeover after the holder died) reads the suspensions before anything else", async () => {
    const open = await newTable("takeover");
    const first = replica(open());
    await first.store.refresh();
    await first.store.suspend("all");
    await first.store.resume([API]);
    const later = replica(open());
    // Before its first read a replica knows nothing, so it writes nothing.
    expect(later.store.isSuspended(API)).toBe(true);
    await later.store.start(60_000);
    later.store.stop();
    expect(later.store.state).toEqual({ all: true, keys: [], except: [API] });
    expect([later.store.isSuspended(WEB), later.store.isSuspended(API)]).toEqual([true, false]);
  });

  it("changes sent to both replicas at once are all kept (writes land only on the version read)", async () => {
    const open = await newTable("race");
    const a = replica(open());
    const b = replica(open());
    const keys = Array.from({ length: 6 }, (_, i) => `Service/shop/s${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? a : b).store.suspend([key])));
    await a.store.refresh();
    expect(a.store.state.keys).toEqual([...keys].sort());
  });

  it("a poll that read the row before this replica's own suspend landed does not undo it", async () => {
    const open = await newTable("crossing");
    const real = open();
    let release: () => void = () => undefined;
    let hold = false;
    const table = {
      read: async (): Promise<StoredRecord | undefined> => {
        const held = hold;
        const row = await real.read();
        if (held) await new Promise<void>((resolve) => (release = resolve));
        return row;
      },
      write: (body: string, version: string, expected: string | undefined) => real.write(body, version, expected),
    };
    const b = new SharedSuspendStore(table, log, () => undefined);
    await b.refresh();
    hold = true;
    const stale = b.refresh();
    hold = false;
    await b.suspend([WEB]);
    release();
    await stale;
    expect(b.isSuspended(WEB)).toBe(true);
  });

  it("a row that is not a suspend record suspends everything until a resume rewrites it", async () => {
    const open = await newTable("corrupt");
    const table = open();
    expect(await table.write("{not json", "v1", undefined)).toBe(true);
    const a = replica(table);
    await a.store.refresh();
    expect(a.store.isSuspended(WEB)).toBe(true);
    await a.store.resume("all");
    const b = replica(open());
    await b.store.refresh();
    expect(b.store.isSuspended(WEB)).toBe(false);
  });

  it("an unreachable table: everything stays suspended, a read failure keeps the last state, a change fails with a message", async () => {
    const open = await newTable("down");
    const a = replica(open());
    await a.store.suspend([WEB]);
    let failing = false;
    const flaky = open();
    const table = {
      read: (): Promise<StoredRecord | undefined> => (failing ? Promise.reject(new Error("connect ECONNREFUSED")) : flaky.read()),
      write: (body: string, version: string, expected: string | undefined) => flaky.write(body, version, expected),
    };
    const b = new SharedSuspendStore(table, log, () => undefined);
    failing = true;
    await b.refresh();
    expect(b.isSuspended(API)).toBe(true);
    failing = false;
    await b.refresh();
    expect([b.isSuspended(WEB), b.isSuspended(API)]).toEqual([true, false]);
    failing = true;
    await a.store.resume([WEB]);
    await b.refresh();
    expect(b.isSuspended(WEB)).toBe(true);

    const gone = new SuspendRecordTable({ table: "no-such-table", region: MOTO_REGION, endpoint, accountIdHeader: accountId });
    opened.push(gone);
    const c = new SharedSuspendStore(gone, log, () => undefined);
    await expect(c.suspend([WEB])).rejects.toThrow(/suspend#state of DynamoDB table no-such-table.*GetItem and PutItem/);
    // Over HTTP the same failure is a 503 that says why, not a bare 500.
    const server = new ControllerHttpServer({
      port: 0,
      host: "127.0.0.1",
      getStatus: () => ({}) as never,
      isReady: () => true,
      metrics: new Registry(),
      apiToken: "t0ken-503",
      onPush: () => undefined,
      apiRoutes: pauseRoutes({ suspend: (t) => c.suspend(t), resume: (t) => c.resume(t) }),
      log,
    });
    const port = await server.listen();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/suspend`, {
        method: "POST",
        headers: { authorization: "Bearer t0ken-503" },
        body: "{}",
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: string }).error).toMatch(/no-such-table/);
    } finally {
      await server.close();
    }
  });

  it("turning leasing on carries the workdir's suspensions over to the table once", async () => {
    const open = await newTable("carry");
    const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-carry-"));
    try {
      await writeFile(path.join(workDir, "suspended.json"), JSON.stringify({ all: false, keys: [WEB], except: [] }));
      const setup = {
        workDir,
        lease: { table: "carry", durationMs: 60_000, shards: 1, shardBy: "cluster" as const, replicaId: "a" },
        aws: { region: MOTO_REGION, endpoint, accountIdHeader: accountId },
        requeue: () => undefined,
        log,
      };
      const first = await suspensionsFor(setup);
      const other = replica(open());
      await other.store.refresh();
      expect(other.store.state.keys).toEqual([WEB]);
      await access(path.join(workDir, "suspended.json.carried-over"));
      await first.store.resume([WEB]);
      first.close();
      // A restart does not suspend again what was resumed since.
      const second = await suspensionsFor(setup);
      expect(second.store.isSuspended(WEB)).toBe(false);
      second.close();
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
