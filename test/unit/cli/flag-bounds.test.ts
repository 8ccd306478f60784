import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

/** The real command line in a child process (`run` logs its start error to stdout), killed after 20 s. */
function cli(argv: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("ECS_GITOPS_") && name !== "NODE_OPTIONS") env[name] = value;
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
    expect(problems).toEqual([expect.objectContaining({ line: 2, severity: "error", message: expect.stringContaining("above the ceiling of 24h") })]);
  });

  it("takes 24h itself", () => {
    const { problems, config } = parseConfigText("ecs-gitops.yaml", new TextEncoder().encode("interval: 24h\nresync: 24h\n"));
    expect(problems).toEqual([]);
    expect(config.intervalMs).toBe(86_400_000);
  });
});
