import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { envNameOf, envOption } from "../../../src/cli/env-var-option.js";

describe("envOption", () => {
  it.each([
    ["--lease-table <name>", "ECS_GITOPS_LEASE_TABLE"],
    ["--self-heal [bool]", "ECS_GITOPS_SELF_HEAL"],
    ["-o, --aws-rate-limit <fraction|off>", "ECS_GITOPS_AWS_RATE_LIMIT"],
  ])("names the variable of %s %s", (flags, name) => {
    expect(envNameOf(flags)).toBe(name);
  });

  it("refuses a flag without a long name", () => {
    expect(() => envNameOf("-x <n>")).toThrow(/no --long-name/);
  });

  it("lets the variable set the flag, and the flag win over it", () => {
    const parse = (argv: string[], env: NodeJS.ProcessEnv) => {
      const saved = process.env["ECS_GITOPS_MAX_WIDGETS"];
      if (env["ECS_GITOPS_MAX_WIDGETS"] === undefined) delete process.env["ECS_GITOPS_MAX_WIDGETS"];
      else process.env["ECS_GITOPS_MAX_WIDGETS"] = env["ECS_GITOPS_MAX_WIDGETS"];
      try {
        const program = new Command().exitOverride().addOption(envOption("--max-widgets <n>", "widgets").default("1"));
        return program.parse(argv, { from: "user" }).opts()["maxWidgets"] as string;
      } finally {
        if (saved === undefined) delete process.env["ECS_GITOPS_MAX_WIDGETS"];
        else process.env["ECS_GITOPS_MAX_WIDGETS"] = saved;
      }
    };
    expect(parse([], {})).toBe("1");
    expect(parse([], { ECS_GITOPS_MAX_WIDGETS: "7" })).toBe("7");
    expect(parse(["--max-widgets", "3"], { ECS_GITOPS_MAX_WIDGETS: "7" })).toBe("3");
  });
});
