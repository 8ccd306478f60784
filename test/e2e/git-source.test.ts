import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EcsGitopsError } from "../../src/errors.js";
import { readManifestFiles } from "../../src/manifests/load.js";
import { createMetrics } from "../../src/state/metrics.js";
import type { ControllerMetrics } from "../../src/state/metrics.js";
import { GitRemoteSource } from "../../src/source/git-remote.js";
import { LocalCheckoutSource } from "../../src/source/local.js";
import type { Source } from "../../src/source/types.js";
import { git } from "./git.js";

const run = promisify(execFile);

let root: string;
const sources: Source[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ecs-gitops-git-e2e-"));
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
async function scratch(name: string): Promise<string> {
  const dir = join(root, `${name}-${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A bare "remote" and a working clone that pushes to it. */
async function remoteWithClone(): Promise<{ bare: string; work: string; url: string }> {
  const bare = await scratch("remote");
  await git(bare, "init", "--bare", "--quiet", "-b", "main");
  const work = await scratch("work");
  await git(work, "init", "--quiet", "-b", "main");
  await git(work, "remote", "add", "origin", bare);
  return { bare, work, url: `file://${bare}` };
}

async function commitFile(work: string, file: string, content: string, push = true): Promise<string> {
  await mkdir(join(work, file, ".."), { recursive: true });
  await writeFile(join(work, file), content);
  await git(work, "add", "-A");
  await git(work, "commit", "--quiet", "-m", `write ${file}`);
  if (push) await git(work, "push", "--quiet", "origin", "main");
  return git(work, "rev-parse", "HEAD");
}

function track<T extends Source>(source: T): T {
  sources.push(source);
  return source;
}

async function fetches(metrics: ControllerMetrics): Promise<number> {
  return (await metrics.gitFetches.get()).values.filter((v) => v.labels.result === "ok").reduce((n, v) => n + v.value, 0);
}

async function caught(promise: Promise<unknown>): Promise<EcsGitopsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EcsGitopsError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** Polls `condition` every 50 ms for up to `timeoutMs`: bounded waiting, no fixed sleeps. */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("GitRemoteSource against a real remote", () => {
  it("reports the remote head with ls-remote and follows pushes", async () => {
    const { work, url } = await remoteWithClone();
    const first = await commitFile(work, "app/web.yaml", "kind: Service\n");
    const source = track(new GitRemoteSource({ url, branch: "main", workDir: await scratch("state") }));
    expect(await source.headSha()).toBe(first);
    const second = await commitFile(work, "app/web.yaml", "kind: Service # v2\n");
    expect(second).not.toBe(first);
    expect(await source.headSha()).toBe(second);
  });

  it("fetches only when the head moved", async () => {
    const { work, url } = await remoteWithClone();
    const first = await commitFile(work, "web.yaml", "v: 1\n");
    const metrics = createMetrics(new Registry(), { defaultMetrics: false });
    const source = track(new GitRemoteSource({ url, branch: "main", workDir: await scratch("state"), metrics }));

    expect(await source.sync()).toEqual({ sha: first, changed: true });
    expect(await fetches(metrics)).toBe(1);
    expect(await source.poll()).toEqual({ sha: first, changed: false });
    expect(await source.sync()).toEqual({ sha: first, changed: false });
    expect(await fetches(metrics)).toBe(1);

    const second = await commitFile(work, "web.yaml", "v: 2\n");
    expect(await source.sync()).toEqual({ sha: second, changed: true });
    expect(await fetches(metrics)).toBe(2);
  });

  it("does not fetch again after a restart when the commit is already in the work dir", async () => {
    const { work, url } = await remoteWithClone();
    const sha = await commitFile(work, "web.yaml", "v: 1\n");
    const workDir = await scratch("state");
    await track(new GitRemoteSource({ url, branch: "main", workDir })).sync();
    const metrics = createMetrics(new Registry(), { defaultMetrics: false });
    const restarted = track(new GitRemoteSource({ url, branch: "main", workDir, metrics }));
    expect(await restarted.sync()).toEqual({ sha, changed: true });
    expect(await fetches(metrics)).toBe(0);
  });

  it("checks out exactly the requested commit into a complete directory and keeps the last two", async () => {
    const { work, url } = await remoteWithClone();
    const workDir = await scratch("state");
    const source = track(new GitRemoteSource({ url, branch: "main", workDir }));
    const shas: string[] = [];
    for (const version of [1, 2, 3]) {
      shas.push(await commitFile(work, `services/v${version}.yaml`, `version: ${version}\n`));
      await source.sync();
    }
    const paths: string[] = [];
    for (const [i, sha] of shas.entries()) {
      const path = await source.checkout(sha);
      paths.push(path);
      expect(path).toBe(join(workDir, "snapshots", sha));
      expect((await readdir(join(path, "services"))).sort()).toEqual(["v1.yaml", "v2.yaml", "v3.yaml"].slice(0, i + 1));
      expect(await readFile(join(path, "services", `v${i + 1}.yaml`), "utf8")).toBe(`version: ${i + 1}\n`);
    }
    expect((await readdir(join(workDir, "snapshots"))).sort()).toEqual([shas[1], shas[2]].sort());
    // Asking again for a kept commit reuses it.
    expect(await source.checkout(shas[2]!)).toBe(paths[2]);
  });

  it("fetches a commit it never saw (an older last good commit after a restart)", async () => {
    const { work, url } = await remoteWithClone();
    const old = await commitFile(work, "web.yaml", "v: old\n");
    await commitFile(work, "web.yaml", "v: new\n");
    const source = track(new GitRemoteSource({ url, branch: "main", workDir: await scratch("state") }));
    await source.sync();
    const path = await source.checkout(old);
    expect(await readFile(join(path, "web.yaml"), "utf8")).toBe("v: old\n");
  });

  it("keeps a symlink in the repo a link, which the loader reports and never follows", async () => {
    const { work, url } = await remoteWithClone();
    await writeFile(join(work, "real.yaml"), "a: 1\n");
    await run("ln", ["-s", "/etc/hostname", join(work, "leak.yaml")]);
    const sha = await commitFile(work, "other.yaml", "b: 2\n");
    const source = track(new GitRemoteSource({ url, branch: "main", workDir: await scratch("state") }));
    await source.sync();
    const path = await source.checkout(sha);
    expect((await lstat(join(path, "leak.yaml"))).isSymbolicLink()).toBe(true);
    const { files, problems } = await readManifestFiles(path);
    expect(files.map((f) => f.file)).toEqual(["other.yaml", "real.yaml"]);
    expect(problems.map((p) => [p.file, p.code])).toEqual([["leak.yaml", "NotRegularFile"]]);
  });

  it("fails with SourceUnavailable when the branch does not exist", async () => {
    const { work, url } = await remoteWithClone();
    await commitFile(work, "web.yaml", "v: 1\n");
    const source = track(new GitRemoteSource({ url, branch: "release", workDir: await scratch("state") }));
    const error = await caught(source.sync());
    expect(error.code).toBe("SourceUnavailable");
    expect(error.message).toContain("release");
  });

  it("fails with SourceUnavailable and redacted credentials when the remote is unreachable", async () => {
    const url = "https://deploy-bot:hunter2-password@127.0.0.1:1/acme/deploy.git";
    const source = track(
      new GitRemoteSource({
        url,
        branch: "main",
        workDir: await scratch("state"),
        env: { ...process.env, ECS_GITOPS_GIT_TOKEN: "ghp_tokenvalue123" },
      }),
    );
    const error = await caught(source.sync());
    expect(error.code).toBe("SourceUnavailable");
    expect(error.retryable).toBe(true);
    const text = `${error.message} ${error.where} ${source.describe()}`;
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("deploy-bot");
    expect(text).not.toContain("ghp_tokenvalue123");
    expect(text).toContain("https://***@127.0.0.1:1/acme/deploy.git");
  });

  it("fails with SourceUnavailable for a path that is not a repository", async () => {
    const source = track(
      new GitRemoteSource({ url: `file://${join(root, "does-not-exist.git")}`, branch: "main", workDir: await scratch("state") }),
    );
    expect((await caught(source.sync())).code).toBe("SourceUnavailable");
  });

  it("refuses option-like URLs and bad branch names up front", () => {
    expect(() => new GitRemoteSource({ url: "--upload-pack=touch /tmp/pwned", branch: "main", workDir: root })).toThrow(EcsGitopsError);
    expect(() => new GitRemoteSource({ url: "file:///x", branch: "-x", workDir: root })).toThrow(EcsGitopsError);
    expect(() => new GitRemoteSource({ url: "file:///x", branch: "a..b", workDir: root })).toThrow(EcsGitopsError);
  });

  describe("over http", () => {
    let server: Server;
    let seen: IncomingHttpHeaders[];
    let hang = false;
    let base: string;

    beforeAll(async () => {
      seen = [];
      server = createServer((req, res) => {
        seen.push(req.headers);
        if (hang) return; // never answers: for the timeout
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it("sends the token as a Basic authorization header without writing it to the repo config", async () => {
      seen = [];
      hang = false;
      const workDir = await scratch("state");
      const source = track(
        new GitRemoteSource({
          url: `${base}/acme/deploy.git`,
          branch: "main",
          workDir,
          env: { ...process.env, ECS_GITOPS_GIT_TOKEN: "glpat-secret-123", ECS_GITOPS_GIT_USERNAME: "oauth2" },
        }),
      );
      const error = await caught(source.headSha());
      expect(error.code).toBe("SourceUnavailable");
      expect(error.message).not.toContain("glpat-secret-123");
      expect(seen.map((h) => h.authorization)).toContain(`Basic ${Buffer.from("oauth2:glpat-secret-123").toString("base64")}`);
      expect(await readFile(join(workDir, "repo.git", "config"), "utf8")).not.toContain("glpat");
    });

    it("gives up on a remote that does not answer within the timeout", async () => {
      hang = true;
      const source = track(
        new GitRemoteSource({ url: `${base}/slow.git`, branch: "main", workDir: await scratch("state"), timeoutMs: 500 }),
      );
      const started = Date.now();
      const error = await caught(source.headSha());
      expect(error.code).toBe("SourceUnavailable");
      expect(error.message).toMatch(/timed out/);
      expect(Date.now() - started).toBeLessThan(5_000);
      hang = false;
    });
  });
});

describe("LocalCheckoutSource", () => {
  async function localRepo(): Promise<string> {
    const dir = await scratch("local");
    await git(dir, "init", "--quiet", "-b", "main");
    return dir;
  }

  it("reads HEAD and reports whether it moved", async () => {
    const dir = await localRepo();
    const first = await commitFile(dir, "web.yaml", "v: 1\n", false);
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap") }));
    expect(await source.poll()).toEqual({ sha: first, changed: true });
    expect(await source.poll()).toEqual({ sha: first, changed: false });
    const second = await commitFile(dir, "web.yaml", "v: 2\n", false);
    expect(await source.poll()).toEqual({ sha: second, changed: true });
  });

  it("checks out the committed tree, never uncommitted edits or untracked files", async () => {
    const dir = await localRepo();
    const sha = await commitFile(dir, "web.yaml", "committed: true\n", false);
    await writeFile(join(dir, "web.yaml"), "committed: false\n");
    await writeFile(join(dir, "draft.yaml"), "untracked: true\n");
    await git(dir, "add", "draft.yaml"); // staged but not committed
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap") }));
    const path = await source.checkout((await source.poll()).sha);
    expect(path).toContain(sha);
    expect(await readFile(join(path, "web.yaml"), "utf8")).toBe("committed: true\n");
    expect(await readdir(path)).toEqual(["web.yaml"]);
    // The user's own index is untouched.
    expect(await git(dir, "status", "--porcelain")).toBe("A  draft.yaml\n M web.yaml".trim());
  });

  it("opens a snapshot at the same sub-folder when pointed inside the checkout", async () => {
    const dir = await localRepo();
    await commitFile(dir, "prod/web.yaml", "env: prod\n", false);
    const source = track(new LocalCheckoutSource({ path: join(dir, "prod"), workDir: await scratch("snap") }));
    const path = await source.checkout((await source.poll()).sha);
    expect(await readdir(path)).toEqual(["web.yaml"]);
  });

  it("follows a named branch instead of HEAD when asked", async () => {
    const dir = await localRepo();
    const onMain = await commitFile(dir, "web.yaml", "v: 1\n", false);
    await git(dir, "checkout", "--quiet", "-b", "feature");
    await commitFile(dir, "web.yaml", "v: feature\n", false);
    const source = track(new LocalCheckoutSource({ path: dir, branch: "main", workDir: await scratch("snap") }));
    expect((await source.poll()).sha).toBe(onMain);
  });

  it("calls back after a commit, not after an uncommitted edit", async () => {
    const dir = await localRepo();
    await commitFile(dir, "web.yaml", "v: 1\n", false);
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap"), debounceMs: 100 }));
    await source.poll();
    let calls = 0;
    await source.watch(() => {
      calls += 1;
    });

    await writeFile(join(dir, "web.yaml"), "v: dirty\n");
    await git(dir, "add", "web.yaml");
    const second = await commitFile(dir, "web.yaml", "v: 2\n", false);
    await eventually(() => calls === 1);
    expect(await source.poll()).toEqual({ sha: second, changed: true });

    await writeFile(join(dir, "web.yaml"), "v: uncommitted\n");
    await git(dir, "add", "web.yaml");
    const third = await commitFile(dir, "other.yaml", "x: 1\n", false);
    await eventually(() => calls === 2);
    expect((await source.poll()).sha).toBe(third);

    await writeFile(join(dir, "web.yaml"), "v: only on disk\n");
    await git(dir, "add", "web.yaml");
    // Bounded wait for a callback that must not come (several debounce periods).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(calls).toBe(2);
  });

  it("calls back when HEAD moves to another branch", async () => {
    const dir = await localRepo();
    await commitFile(dir, "web.yaml", "v: 1\n", false);
    await git(dir, "branch", "other");
    await git(dir, "checkout", "--quiet", "other");
    await commitFile(dir, "web.yaml", "v: other\n", false);
    await git(dir, "checkout", "--quiet", "main");
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap"), debounceMs: 100 }));
    let calls = 0;
    await source.watch(() => (calls += 1));
    await git(dir, "checkout", "--quiet", "other");
    await eventually(() => calls === 1);
  });

  it("rejects a folder that is not a git checkout with InvalidConfig", async () => {
    const dir = await scratch("plain");
    await writeFile(join(dir, "web.yaml"), "v: 1\n");
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap") }));
    const error = await caught(source.poll());
    expect(error.code).toBe("InvalidConfig");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/commit/);
  });

  it("rejects a path that does not exist with InvalidConfig", async () => {
    const source = track(new LocalCheckoutSource({ path: join(root, "nope"), workDir: await scratch("snap") }));
    expect((await caught(source.poll())).code).toBe("InvalidConfig");
  });

  it("reports a repository without commits as SourceUnavailable until the first commit", async () => {
    const dir = await localRepo();
    const source = track(new LocalCheckoutSource({ path: dir, workDir: await scratch("snap") }));
    const error = await caught(source.poll());
    expect(error.code).toBe("SourceUnavailable");
    const sha = await commitFile(dir, "web.yaml", "v: 1\n", false);
    expect(await source.poll()).toEqual({ sha, changed: true });
  });

  it("removes its default work dir on close", async () => {
    const dir = await localRepo();
    const sha = await commitFile(dir, "web.yaml", "v: 1\n", false);
    const source = new LocalCheckoutSource({ path: dir });
    const path = await source.checkout(sha);
    expect(await readdir(path)).toEqual(["web.yaml"]);
    await source.close();
    await expect(readdir(path)).rejects.toThrow();
  });
});
