import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { loadConfigFile } from "../../src/config.js";
import { loadDesiredState } from "../../src/resources/load.js";

const examples = fileURLToPath(new URL("../../examples", import.meta.url));

describe("examples/", () => {
  it("passes `ecs-gitops validate examples/` with exit code 0", async () => {
    let out = "";
    const code = await runCli(["validate", examples], { out: (t) => (out += t), err: (t) => (out += t) });
    expect(out).toBe("ok: 6 resources in 6 files\n");
    expect(code).toBe(0);
  });

  it("holds the web service, the EC2 worker and the nightly scheduled task on cluster shop", async () => {
    const { config, problems: configProblems } = await loadConfigFile(examples);
    expect(configProblems).toEqual([]);
    expect(config).toMatchObject({ cluster: "shop", owner: "ecs-gitops" });
    const { manifests, problems } = await loadDesiredState(examples, { defaultCluster: config.cluster });
    expect(problems).toEqual([]);
    expect(manifests.map((m) => m.key).sort()).toEqual([
      "ScheduledRule/default/nightly-report",
      "Service/shop/web",
      "Service/shop/worker",
      "TaskDefinition/nightly-report",
      "TaskDefinition/web",
      "TaskDefinition/worker",
    ]);
    const rule = manifests.find((m) => m.kind === "ScheduledRule");
    expect(rule?.spec["scheduleExpression"]).toBe("cron(0 3 * * ? *)");
  });
});
