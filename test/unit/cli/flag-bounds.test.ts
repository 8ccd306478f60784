import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";
import { parseConfigText } from "../../../src/config.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

/** The real command line in a child process (`run` logs its start error to stdout), killed after 20 s. */
function cli(argv: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith("ECS_GITOPS_") && name !== "NODE_OPTIONS") env[name] = value;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), ...argv], {
    cwd: REPO_ROOT,
    env: { ...env, ...extraEnv, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => {
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, err });
    });
  });
}

// A repository path that does not exist: a run that got past its flags would fail differently.
const RUN = ["run", "--repo", "/nonexistent/ecs-gitops-flag-bounds", "--port", "0", "--host", "127.0.0.1"];

describe("durations above the 24h ceiling", () => {
  it.each([
    ["--interval", "1000h"],
    ["--interval", "24h1ms"],
    ["--resync", "600h"],
    ["--shutdown-timeout", "25h"],
    ["--shutdown-timeout", "9999999999s"],
  ])("run %s %s exits 2 naming the flag", { timeout: 30_000 }, async (flag, value) => {
    const { code, err } = await cli([...RUN, flag, value]);
    expect(code).toBe(2);
    expect(err).toContain(flag);
    expect(err).toMatch(/24h/);
  });

  it.each([
    ["ECS_GITOPS_INTERVAL", "--interval"],
    ["ECS_GITOPS_RESYNC", "--resync"],
    ["ECS_GITOPS_SHUTDOWN_TIMEOUT", "--shutdown-timeout"],
  ])("%s=100h exits 2", { timeout: 30_000 }, async (name, flag) => {
    const { code, err } = await cli(RUN, { [name]: "100h" });
    expect(code).toBe(2);
    expect(err).toContain(flag);
  });

  it.each(["interval", "resync"])("ecs-gitops.yaml %s: 48h is a located error", (field) => {
    const { problems } = parseConfigText("ecs-gitops.yaml", new TextEncoder().encode(`cluster: shop\n${field}: 48h\n`));
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, severity: "error", message: expect.stringContaining("above the ceiling of 24h") }),
    ]);
  });

  it("takes 24h itself", () => {
    const { problems, config } = parseConfigText("ecs-gitops.yaml", new TextEncoder().encode("interval: 24h\nresync: 24h\n"));
    expect(problems).toEqual([]);
    expect(config.intervalMs).toBe(86_400_000);
  });
});

describe("--endpoint-url and --cluster are checked before anything runs", () => {
  const bad: [string, string][] = [
    ["--endpoint-url", "notaurl"],
    ["--endpoint-url", "ftp://127.0.0.1:21"],
    ["--endpoint-url", "127.0.0.1:5000"],
    ["--cluster", "bad/name"],
    ["--cluster", "two words"],
    ["--cluster", "arn:aws:ecs:eu-west-1:123:cluster/x"],
  ];

  it.each(bad)("run %s %j exits 2 naming the flag", { timeout: 30_000 }, async (flag, value) => {
    const { code, err } = await cli([...RUN, flag, value]);
    expect(code).toBe(2);
    expect(err).toContain(flag);
    expect(err).not.toContain("/nonexistent");
  });

  it.each(["diff", "apply"])("%s exits 2 on each bad value, before any AWS call", async (command) => {
    for (const [flag, value] of bad) {
      let err = "";
      const code = await runCli([command, path.join(REPO_ROOT, "examples"), "--region", "eu-west-1", flag, value], {
        out: () => undefined,
        err: (t) => void (err += t),
      });
      expect(code, `${flag} ${value}`).toBe(2);
      expect(err, `${flag} ${value}`).toContain(flag);
    }
  });

  it("validate exits 2 on a bad --cluster", async () => {
    for (const [flag, value] of bad.filter(([f]) => f === "--cluster")) {
      let err = "";
      const code = await runCli(["validate", path.join(REPO_ROOT, "examples"), flag, value], {
        out: () => undefined,
        err: (t) => void (err += t),
      });
      expect(code, value).toBe(2);
      expect(err, value).toContain(flag);
    }
  });

  it("export exits 2 on each bad value", async () => {
    for (const [flag, value] of bad) {
      let err = "";
      const args = ["export", "--out", "/nonexistent/out", "--region", "eu-west-1", "--cluster", "shop", flag, value];
      const code = await runCli(args, { out: () => undefined, err: (t) => void (err += t) });
      expect(code, `${flag} ${value}`).toBe(2);
      expect(err, `${flag} ${value}`).toContain(flag);
    }
  });
});
