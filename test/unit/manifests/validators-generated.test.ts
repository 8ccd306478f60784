import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VALIDATORS_FILE, validatorsSource } from "../../../scripts/gen-validators.js";
import { checkSpecSchema } from "../../../src/manifests/schema-check.js";

describe("the precompiled spec validators", () => {
  it("are what scripts/gen-validators.ts generates from the current schemas (run `npm run gen:validators`)", () => {
    // A schema change without regenerating would validate manifests against the old AWS model.
    expect(readFileSync(VALIDATORS_FILE, "utf8") === validatorsSource(), `${VALIDATORS_FILE} is stale: run npm run gen:validators`).toBe(
      true,
    );
  }, 60_000);

  it("need neither ajv's compiler nor a require() at run time", () => {
    const source = readFileSync(VALIDATORS_FILE, "utf8");
    expect(source).not.toMatch(/require\(/);
    expect(source).not.toMatch(/from "ajv"/);
  });

  it("report what the messages are built from: the value (data) and the enclosing schema (parentSchema)", () => {
    const service = checkSpecSchema("Service", { desiredCount: null, launchType: "FARGAT" }).map((f) => f.message);
    expect(service).toContain("desiredCount is null, which AWS does not accept: remove the field to leave it unset, or give it a value");
    expect(service).toContain(
      'launchType must be one of EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES; got "FARGAT" (did you mean "FARGATE"?)',
    );
    const target = checkSpecSchema("ScalableTarget", { serviceNamespace: "ecs", resourceId: "service/a/b", minCapcity: 1 });
    expect(target.map((f) => f.message)).toContain('unknown field "minCapcity" in spec (did you mean "minCapacity"?)');
  });
});
