import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactUrl } from "../../../src/controller/log.js";

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe("createLogger", () => {
  it("writes JSON with a short message and the data beside it", () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: "info", destination: stream });
    log.child({ key: "Service/prod/web" }).info({ action: "update", changes: 3 }, "applied");
    log.debug({ ignored: true }, "below the level");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, name: "ecs-gitops", key: "Service/prod/web", action: "update", changes: 3, msg: "applied" });
  });

  it("redacts credential-looking fields at the top level and nested", () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: "info", destination: stream });
    log.info(
      {
        token: "t0p",
        webhookSecret: "whs",
        headers: { authorization: "Basic abc", "x-hub-signature-256": "sha256=00", "x-gitlab-token": "glt", accept: "*/*" },
        err: { config: { password: "pw", secretAccessKey: "AKIA-secret" } },
      },
      "request",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ["t0p", "whs", "Basic abc", "sha256=00", "glt", "pw", "AKIA-secret"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: "[REDACTED]", headers: { accept: "*/*", authorization: "[REDACTED]" } });
  });
});

describe("redactUrl", () => {
  it.each([
    ["https://user:pass@github.com/acme/deploy.git", "https://***@github.com/acme/deploy.git"],
    ["https://ghp_token@github.com/acme/deploy.git", "https://***@github.com/acme/deploy.git"],
    ["fatal: unable to access 'https://u:p%40ss@host:8443/r.git/': 403", "fatal: unable to access 'https://***@host:8443/r.git/': 403"],
    ["https://github.com/acme/deploy.git", "https://github.com/acme/deploy.git"],
    ["git@github.com:acme/deploy.git", "git@github.com:acme/deploy.git"],
    ["file:///srv/git/deploy.git", "file:///srv/git/deploy.git"],
  ])("%s → %s", (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });
});
