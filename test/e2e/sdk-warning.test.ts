import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const CLI_MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const EXAMPLES = path.join(REPO_ROOT, "examples");
/** The SDK warns on Node.js below 22: on a newer Node.js the count is 0 everywhere. */
const WARNS = Number(/^v(\d+)/.exec(process.version)?.[1]) < 22 ? 1 : 0;

/** One CLI process (as a user runs it): its stderr. No AWS answers on port 1. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };
  delete env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"];
  delete env["NODE_OPTIONS"];
  try {
    const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env,
      timeout: 60_000,
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? "" };
  }
}

const warnings = (stderr: string) => stderr.split("NodeVersionSupportWarning").length - 1;

let broken: string;
beforeAll(async () => {
  broken = await mkdtemp(path.join(tmpdir(), "ecs-gitops-sdkwarn-"));
  await cp(EXAMPLES, broken, { recursive: true });
  await writeFile(
    path.join(broken, "web", "service.yaml"),
    "apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web}\nspec: {desiredCount: [2}\n",
  );
});
afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

describe.concurrent("the AWS SDK's Node.js version warning", () => {
  it("is never printed by validate", async () => {
    const { code, stderr } = await cli("validate", EXAMPLES);
    expect(code).toBe(0);
    expect(warnings(stderr)).toBe(0);
  });

  it("is not printed by a diff that stops at a manifest error, before any AWS call", async () => {
    const { code, stderr } = await cli("diff", broken, "--endpoint-url", "http://127.0.0.1:1");
    expect(code).toBe(2);
    expect(stderr).toContain("service.yaml");
    expect(warnings(stderr)).toBe(0);
  });

  it("is printed at most once, in one line, by a command that calls AWS", async () => {
    const { code, stderr } = await cli("diff", EXAMPLES, "--endpoint-url", "http://127.0.0.1:1", "--aws-rate-limit", "off");
    expect(code).toBe(2);
    expect(warnings(stderr)).toBe(WARNS);
    if (WARNS > 0) expect(stderr).not.toContain("To continue receiving updates");
  });
});
