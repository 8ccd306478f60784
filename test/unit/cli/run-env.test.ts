import type { Command, Option } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/main.js";

/** The `run` command with its action replaced: parsing only, no controller. */
function runCommand(): { program: Command; run: Command } {
  const program = buildProgram({ out: () => {}, err: () => {} });
  const run = program.commands.find((c) => c.name() === "run")!;
  run.action(() => {});
  return { program, run };
}

/** README: every `run` flag is also ECS_GITOPS_<FLAG>, with the flag's name upper-cased. */
const envNameOf = (option: Option) =>
  `ECS_GITOPS_${option
    .long!.replace(/^--(no-)?/, "")
    .replaceAll("-", "_")
    .toUpperCase()}`;

describe("every run flag has its ECS_GITOPS_ environment variable", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const options = runCommand().run.options.filter((o) => o.long !== "--help");

  it("lists the flags the test walks (a new flag is walked too)", () => {
    expect(options.length).toBeGreaterThan(15);
  });

  it.each(options.map((o) => [o.long!, o] as const))("%s", async (_flag, option) => {
    const { program, run } = runCommand();
    const twin = option.negate ? run.options.find((o) => o !== option && o.attributeName() === option.attributeName()) : option;
    // A negated flag (--no-x) is reached through its positive twin's variable, set to false.
    expect(twin?.envVar, `${option.long} has no environment variable`).toBe(envNameOf(option));
    process.env["ECS_GITOPS_REPO"] = "file:///repo.git";
    process.env[envNameOf(option)] = option.negate ? "false" : (option.argChoices?.[0] ?? "1");
    await program.parseAsync(["run"], { from: "user" });
    expect(run.getOptionValueSource(option.attributeName())).toBe("env");
  });

  it("reads ECS_GITOPS_AUTOMATED=false as --no-automated", async () => {
    const { program, run } = runCommand();
    process.env["ECS_GITOPS_AUTOMATED"] = "false";
    await program.parseAsync(["run", "--repo", "x"], { from: "user" });
    expect(run.opts()["automated"]).toBe("false");
    const again = runCommand();
    await again.program.parseAsync(["run", "--repo", "x", "--no-automated"], { from: "user" });
    expect(again.run.opts()["automated"]).toBe(false);
  });
});
