import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactUrl } from "../../../src/controller/log.js";
import { cpuClock } from "../../support/cpu-clock.js";

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
    expect(lines[0]).toMatchObject({
      level: 30,
      name: "ecs-gitops",
      key: "Service/prod/web",
      action: "update",
      changes: 3,
      msg: "applied",
    });
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

describe("URL credentials in log lines", () => {
  const secret = "pass-4e7a";
  const url = `HTTPS://deploy:${secret}@git.example.com/acme/deploy.git`;
  it.each([
    ["a field", (log: ReturnType<typeof createLogger>) => log.info({ repo: url }, "start")],
    ["a nested field", (log: ReturnType<typeof createLogger>) => log.info({ source: { urls: [url] } }, "start")],
    ["the message", (log: ReturnType<typeof createLogger>) => log.warn(`cannot reach ${url}`)],
    ["an error", (log: ReturnType<typeof createLogger>) => log.error({ err: new Error(`fetch ${url} failed`) }, "failed")],
    ["a child's bindings", (log: ReturnType<typeof createLogger>) => log.child({ source: `git+${url.toLowerCase()}` }).info("polled")],
    [
      "an scp-form remote",
      (log: ReturnType<typeof createLogger>) => log.info({ repo: `deploy:${secret}@git.example.com:acme/deploy.git` }, "start"),
    ],
  ])("never carry the password, from %s", (_where, write) => {
    const { stream, lines } = capture();
    write(createLogger({ level: "info", destination: stream }));
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain(secret);
    expect(JSON.stringify(lines[0])).toContain("***@");
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
    ["HTTPS://user:pass@github.com/acme/deploy.git", "HTTPS://***@github.com/acme/deploy.git"],
    ["git+https://user:pass@github.com/acme/deploy.git", "git+https://***@github.com/acme/deploy.git"],
    ["Git+SSH://git:pass@github.com:22/acme/deploy.git", "Git+SSH://***@github.com:22/acme/deploy.git"],
    ["ssh://deploy:pass@git.example.com/acme/deploy.git", "ssh://***@git.example.com/acme/deploy.git"],
    ["deploy:pass@git.example.com:acme/deploy.git", "deploy:***@git.example.com:acme/deploy.git"],
    ["--repo='deploy:pass@git.example.com:acme/deploy.git'", "--repo='deploy:***@git.example.com:acme/deploy.git'"],
    ["https://user:p@ss@host/r.git?ref=a@b", "https://***@host/r.git?ref=a@b"],
    ["DATABASE_URL=postgres://app:pass@db.internal:5432/shop", "DATABASE_URL=postgres://***@db.internal:5432/shop"],
    ["ops@example.com wrote", "ops@example.com wrote"],
    ["nginx:1.27@sha256:3f1a9c0b", "nginx:1.27@sha256:3f1a9c0b"],
    ["image public.ecr.aws/nginx/nginx:1.27@sha512:3f1a9c0b pinned", "image public.ecr.aws/nginx/nginx:1.27@sha512:3f1a9c0b pinned"],
    ["https://bot:Pa#ss@github.com/acme/deploy.git", "https://***@github.com/acme/deploy.git"],
    ["url=mysql://svc:a?b/c@db.internal:3306/x", "url=mysql://***@db.internal:3306/x"],
    ["postgres://app:it's\"<here>@db/x", "postgres://***@db/x"],
    ["amqp://app:two words@mq.internal/vhost", "amqp://***@mq.internal/vhost"],
    ["see https://example.com, then mail ops@example.com", "see https://example.com, then mail ops@example.com"],
    ["https://example.com:8443/x?mail=ops@example.com", "https://example.com:8443/x?mail=ops@example.com"],
  ])("%s → %s", (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  // Runs on every log line and HTTP body: an attacker-sized value must cost linear time.
  it.each([
    ["=a:", "@"],
    ["a://", "@h"],
    ["a://@", ""],
    ["=a:@h", ""],
    ["https://u:", "@h"],
    ["x:y/", "@h:"],
  ])("stays linear on %j repeated to 1 MB", (unit, tail) => {
    const time = (size: number): number => {
      const text = unit.repeat(Math.ceil(size / unit.length)) + tail;
      const cpuMs = cpuClock();
      redactUrl(text);
      return cpuMs();
    };
    time(100_000);
    const small = time(100_000);
    const large = time(1_000_000);
    expect(large).toBeLessThan(1000);
    expect(large).toBeLessThan(Math.max(small, 5) * 40);
  });
});
