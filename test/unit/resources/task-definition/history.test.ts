import { describe, expect, it } from "vitest";
import { readAndPlan } from "../../../../src/engine/read-plan.js";
import type { SnapshotReader } from "../../../../src/engine/read-plan.js";
import { LiveReader } from "../../../../src/engine/live-state.js";
import type { AwsClients } from "../../../../src/aws/index.js";
import type { JsonObject } from "../../../../src/json.js";
import { tagListToMap } from "../../../../src/resources/common/tags.js";
import { historyTagValue, parseHistory, twinsOf } from "../../../../src/resources/task-definition/history.js";
import type { LiveTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import { EARLIER_REVISIONS_TAG, OWNER_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf } from "../builders.js";

const BASE = "arn:aws:ecs:eu-west-1:123456789012:task-definition/api";
const SETTINGS = { owner: "ecs-gitops", revision: "c1", region: "eu-west-1", defaultCluster: undefined, ignoreRules: [] };

const spec = (image: string): JsonObject => ({
  cpu: "256",
  memory: "512",
  containerDefinitions: [{ name: "api", image, essential: true }],
});
const api = (image: string) => manifestOf("TaskDefinition", "api", spec(image), { file: "api.yaml" });

/**
 * A family in memory, registered through the plans' own RegisterTaskDefinition inputs. The reader
 * reads it as a cold process does (the latest revision only) and counts what else it is asked.
 */
class Family {
  readonly revisions: LiveTaskDefinition[] = [];
  readonly asked: string[] = [];

  register(input: JsonObject): LiveTaskDefinition {
    const { tags, ...content } = input;
    const revision = this.revisions.length + 1;
    const arn = `${BASE}:${revision}`;
    const live = {
      arn,
      revision,
      taskDefinition: { ...content, taskDefinitionArn: arn, revision, status: "ACTIVE" },
      tags: tagListToMap(tags),
    };
    this.revisions.push(live);
    return live;
  }

  /**
   * A fresh process's reader (the real LiveReader, reading the family's latest revision as a cold
   * process does) over an ECS that answers from this family; what it reads beyond that is counted.
   */
  reader(): SnapshotReader {
    const answer = (command: { constructor: { name: string }; input: JsonObject }): unknown => {
      if (command.constructor.name === "ListTaskDefinitionsCommand") {
        this.asked.push("list");
        return { taskDefinitionArns: this.revisions.map((r) => r.arn) };
      }
      const name = String(command.input["taskDefinition"]);
      const found = name === "api" ? this.revisions.at(-1) : this.revisions.find((r) => r.arn === name);
      if (name !== "api") this.asked.push(`describe ${name}`);
      const tags = Object.entries(found?.tags ?? {}).map(([key, value]) => ({ key, value }));
      return { taskDefinition: found?.taskDefinition, tags };
    };
    const ecs = { send: (command: never) => Promise.resolve(answer(command)) };
    return new LiveReader({ ecs } as unknown as AwsClients);
  }

  /** Plan `image` as a fresh process would, register if the plan says so; the revision the family settles on. */
  async sync(image: string): Promise<number> {
    const { result } = await readAndPlan(this.reader(), [api(image)], SETTINGS);
    const action = result.actions[0]!;
    const register = "calls" in action ? action.calls.find((c) => c.operation === "ecs:RegisterTaskDefinition") : undefined;
    if (register) return this.register(register.input).revision;
    const resolved = result.resolved.get("api");
    return resolved?.state === "known" ? Number(resolved.arn.split(":").at(-1)) : -1;
  }
}

describe("earlier revisions' hashes on each registered revision", () => {
  it("a revert describes only the identical earlier revision; a new image reads nothing more", async () => {
    const family = new Family();
    expect(await family.sync("api:1")).toBe(1);
    expect(family.revisions[0]!.tags[EARLIER_REVISIONS_TAG]).toBe("-");
    expect(await family.sync("api:2")).toBe(2);
    expect(await family.sync("api:3")).toBe(3);
    expect(family.asked).toEqual([]);
    // Revision 3 names 2 and 1, newest first.
    const hashOf = (n: number) => family.revisions[n - 1]!.tags[SPEC_HASH_TAG]!.slice(0, 16);
    expect(family.revisions[2]!.tags[EARLIER_REVISIONS_TAG]).toBe(`2=${hashOf(2)} 1=${hashOf(1)}`);

    // git revert twice: back to api:1, found through revision 3's tag, described by ARN, reused.
    expect(await family.sync("api:1")).toBe(1);
    expect(family.asked).toEqual([`describe ${BASE}:1`]);
    expect(family.revisions).toHaveLength(3);
  });

  it("a family whose revisions carry no history (registered by hand or by an older version) is listed once", async () => {
    const family = new Family();
    family.register({ ...spec("api:1"), family: "api", tags: [{ key: OWNER_TAG, value: "ecs-gitops" }] });
    expect(await family.sync("api:2")).toBe(2);
    expect(family.asked).toEqual(["list"]);
    // From then on the newest revision carries the history: no more lists.
    expect(await family.sync("api:3")).toBe(3);
    expect(family.asked).toEqual(["list"]);
  });

  it("keeps the newest entries that fit one tag value (256 characters)", () => {
    const candidates: LiveTaskDefinition[] = [
      {
        arn: `${BASE}:123456`,
        revision: 123456,
        taskDefinition: {},
        tags: {
          [SPEC_HASH_TAG]: "f".repeat(32),
          [EARLIER_REVISIONS_TAG]: Array.from({ length: 12 }, (_, i) => `${123455 - i}=${"a".repeat(16)}`).join(" "),
        },
      },
    ];
    const value = historyTagValue(candidates);
    expect(value.length).toBeLessThanOrEqual(256);
    const entries = parseHistory(value)!;
    expect(entries[0]).toEqual({ revision: 123456, hash: "f".repeat(16) });
    expect(entries.map((e) => e.revision)).toEqual([...entries.map((e) => e.revision)].sort((a, b) => b - a));
    expect(entries.length).toBeGreaterThanOrEqual(9);
  });

  it("names only revisions not read yet, and says unknown when no revision carries the tag", () => {
    const tagged: LiveTaskDefinition = {
      arn: `${BASE}:7`,
      revision: 7,
      taskDefinition: {},
      tags: { [SPEC_HASH_TAG]: "b".repeat(32), [EARLIER_REVISIONS_TAG]: `6=${"a".repeat(16)} 5=${"b".repeat(16)} 4=${"a".repeat(16)}` },
    };
    expect(twinsOf([tagged], "a".repeat(32))).toEqual([`${BASE}:6`, `${BASE}:4`]);
    expect(twinsOf([tagged], "b".repeat(32))).toEqual([`${BASE}:5`]);
    expect(twinsOf([tagged], "c".repeat(32))).toEqual([]);
    expect(twinsOf([{ ...tagged, tags: {} }], "a".repeat(32))).toBe("unknown");
    expect(parseHistory(undefined)).toBeUndefined();
    expect(parseHistory("-")).toEqual([]);
  });
});
