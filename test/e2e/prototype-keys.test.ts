import { TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-ecs";
import { describe, expect, inject, it } from "vitest";
import { editFile } from "./desired-repo.js";
import { commitAll, createWorld, eventually, runController } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const endpoint = inject("motoEndpoint");

/** Names every plain object inherits: to a user they are just label, variable or target names. */
const NAMES = ["valueOf", "toString", "hasOwnProperty", "__defineGetter__", "constructor", "isPrototypeOf"];
const WEB = "Service/shop/web";

describe("user keys named like Object.prototype members, through the controller", () => {
  it("syncs them, reports a hand-made tag of that kind as drift, and shows it all in /status", async () => {
    const world = await createWorld(endpoint);
    const labels = NAMES.slice(0, 4)
      .map((n) => `    ${n}: "${n}-label"\n`)
      .join("");
    for (const file of ["web/task-definition.yaml", "web/service.yaml", "nightly-report/scheduled-rule.yaml"]) {
      await editFile(world.dir, file, (t) => t.replace("  labels:\n    team: shop\n", `  labels:\n    team: shop\n${labels}`));
    }
    await editFile(world.dir, "web/task-definition.yaml", (t) =>
      t
        .replace(
          "          awslogs-stream-prefix: web\n",
          "          awslogs-stream-prefix: web\n      dockerLabels:\n        constructor: docker\n        valueOf: docker\n",
        )
        .replace(
          "        - {name: LOG_LEVEL, value: info}\n",
          "        - {name: LOG_LEVEL, value: info}\n        - {name: toString, value: env}\n",
        ),
    );
    await editFile(world.dir, "nightly-report/scheduled-rule.yaml", (t) => t.replace("    - id: report\n", "    - id: hasOwnProperty\n"));
    await commitAll(world.dir, "prototype-named keys");
    const run = await runController(world, { resyncMs: 500 });
    try {
      await run.converged();
      const synced = await run.status();
      expect(synced.manifestErrors).toEqual([]);
      expect(synced.resources.map((r) => `${r.key} ${r.sync}`)).toEqual(synced.resources.map((r) => `${r.key} Synced`));
      expect(synced.resources.every((r) => r.lastError === undefined)).toBe(true);

      // By hand: a stray tag named like a prototype member added, one of ours removed.
      const arn = world.arn.service("web");
      await world.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "isPrototypeOf", value: "by hand" }] }));
      await world.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["valueOf"] }));
      const drifted = await eventually(
        async () => {
          const doc = await run.status();
          const web = doc.resources.find((r) => r.key === WEB);
          return web?.drift !== undefined && web.drift.fields.length === 2 ? web : undefined;
        },
        15_000,
        "drift on the web service's tags",
      );
      expect(drifted).toMatchObject({ sync: "OutOfSync", drift: { fields: ["/tags/isPrototypeOf", "/tags/valueOf"] } });
      expect(drifted.lastError).toBeUndefined();
      expect(run.lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await run.stop();
      await world.close();
    }
  }, 60_000);
});
