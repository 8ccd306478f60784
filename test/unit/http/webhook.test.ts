import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/http/webhook.js";

const SECRET = "s3cr3t-webhook-value";
const pushBody = Buffer.from(
  JSON.stringify({
    ref: "refs/heads/main",
    before: "0000000000000000000000000000000000000000",
    after: "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
    repository: { full_name: "acme/deploy" },
  }),
);

function sign(body: Buffer | string, secret = SECRET): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

describe("verifyWebhook: GitHub", () => {
  it("accepts a push signed with the secret and reads the branch from ref", () => {
    const verdict = verifyWebhook({
      headers: { "x-hub-signature-256": sign(pushBody), "x-github-event": "push", "content-type": "application/json" },
      body: pushBody,
      secret: SECRET,
    });
    expect(verdict).toEqual({ ok: true, provider: "github", event: "push", branch: "main" });
  });

  it("never reports a SHA from the payload", () => {
    const verdict = verifyWebhook({
      headers: { "x-hub-signature-256": sign(pushBody), "x-github-event": "push" },
      body: pushBody,
      secret: SECRET,
    });
    expect(JSON.stringify(verdict)).not.toContain("deadbeef");
  });

  it("matches header names case-insensitively and accepts upper-case hex", () => {
    const verdict = verifyWebhook({
      headers: { "X-Hub-Signature-256": sign(pushBody).toUpperCase().replace("SHA256=", "sha256="), "X-GitHub-Event": "push" },
      body: pushBody,
      secret: SECRET,
    });
    expect(verdict).toMatchObject({ ok: true, provider: "github", event: "push" });
  });

  it("recognises ping and other events", () => {
    const ping = Buffer.from(JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 }));
    expect(verifyWebhook({ headers: { "x-hub-signature-256": sign(ping), "x-github-event": "ping" }, body: ping, secret: SECRET })).toEqual(
      { ok: true, provider: "github", event: "ping" },
    );
    expect(
      verifyWebhook({ headers: { "x-hub-signature-256": sign(ping), "x-github-event": "issues" }, body: ping, secret: SECRET }),
    ).toEqual({ ok: true, provider: "github", event: "other" });
  });

  it("reads the branch from a form-encoded payload", () => {
    const body = Buffer.from("payload=" + encodeURIComponent(JSON.stringify({ ref: "refs/heads/release/1.2" })));
    const verdict = verifyWebhook({
      headers: { "x-hub-signature-256": sign(body), "x-github-event": "push", "content-type": "application/x-www-form-urlencoded" },
      body,
      secret: SECRET,
    });
    expect(verdict).toEqual({ ok: true, provider: "github", event: "push", branch: "release/1.2" });
  });

  it("accepts a tag push without a branch, and a body that is not JSON", () => {
    const tag = Buffer.from(JSON.stringify({ ref: "refs/tags/v1.0.0" }));
    expect(verifyWebhook({ headers: { "x-hub-signature-256": sign(tag), "x-github-event": "push" }, body: tag, secret: SECRET })).toEqual({
      ok: true,
      provider: "github",
      event: "push",
    });
    const junk = Buffer.from("not json");
    expect(verifyWebhook({ headers: { "x-hub-signature-256": sign(junk), "x-github-event": "push" }, body: junk, secret: SECRET })).toEqual(
      { ok: true, provider: "github", event: "push" },
    );
  });

  it("rejects a signature made with another secret", () => {
    const verdict = verifyWebhook({
      headers: { "x-hub-signature-256": sign(pushBody, "other"), "x-github-event": "push" },
      body: pushBody,
      secret: SECRET,
    });
    expect(verdict).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects a body changed after signing", () => {
    const tampered = Buffer.from(pushBody.toString().replace("main", "prod"));
    const verdict = verifyWebhook({
      headers: { "x-hub-signature-256": sign(pushBody), "x-github-event": "push" },
      body: tampered,
      secret: SECRET,
    });
    expect(verdict).toEqual({ ok: false, reason: "bad-signature" });
  });

  it.each([
    ["too short", sign(pushBody).slice(0, -2)],
    ["too long", sign(pushBody) + "00"],
    ["not hex", "sha256=" + "z".repeat(64)],
    ["no algorithm prefix", sign(pushBody).slice("sha256=".length)],
    ["sha1 prefix", "sha1=" + "a".repeat(40)],
    ["empty", ""],
  ])("rejects a malformed signature without throwing (%s)", (_name, signature) => {
    const verdict = verifyWebhook({ headers: { "x-hub-signature-256": signature }, body: pushBody, secret: SECRET });
    expect(verdict).toEqual({ ok: false, reason: "malformed-signature" });
  });

  it("rejects a repeated signature header", () => {
    const verdict = verifyWebhook({ headers: { "x-hub-signature-256": [sign(pushBody), sign(pushBody)] }, body: pushBody, secret: SECRET });
    expect(verdict).toEqual({ ok: false, reason: "malformed-signature" });
  });

  it("rejects the SHA-1 only signature", () => {
    const sha1 = "sha1=" + createHmac("sha1", SECRET).update(pushBody).digest("hex");
    expect(verifyWebhook({ headers: { "x-hub-signature": sha1 }, body: pushBody, secret: SECRET })).toEqual({
      ok: false,
      reason: "unsupported-signature",
    });
  });
});

describe("verifyWebhook: GitLab", () => {
  it("accepts a Push Hook carrying the secret token", () => {
    const verdict = verifyWebhook({ headers: { "x-gitlab-token": SECRET, "x-gitlab-event": "Push Hook" }, body: pushBody, secret: SECRET });
    expect(verdict).toEqual({ ok: true, provider: "gitlab", event: "push", branch: "main" });
  });

  it("classifies other hooks as other", () => {
    const verdict = verifyWebhook({
      headers: { "x-gitlab-token": SECRET, "x-gitlab-event": "Merge Request Hook" },
      body: pushBody,
      secret: SECRET,
    });
    expect(verdict).toEqual({ ok: true, provider: "gitlab", event: "other" });
  });

  it.each([
    ["wrong", "not-the-secret"],
    ["a prefix of it", SECRET.slice(0, 5)],
    ["longer", SECRET + "x"],
    ["empty", ""],
  ])("rejects a token that is %s", (_name, token) => {
    expect(verifyWebhook({ headers: { "x-gitlab-token": token, "x-gitlab-event": "Push Hook" }, body: pushBody, secret: SECRET })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });
});

describe("verifyWebhook: generic", () => {
  it("accepts X-Signature-256 and defaults the event to push", () => {
    const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main" }));
    expect(verifyWebhook({ headers: { "x-signature-256": sign(body) }, body, secret: SECRET })).toEqual({
      ok: true,
      provider: "generic",
      event: "push",
      branch: "main",
    });
  });

  it("accepts an empty signed body as a push without a branch", () => {
    const body = Buffer.alloc(0);
    expect(verifyWebhook({ headers: { "x-signature-256": sign(body) }, body, secret: SECRET })).toEqual({
      ok: true,
      provider: "generic",
      event: "push",
    });
  });

  it("honours X-Webhook-Event: ping", () => {
    const body = Buffer.from("{}");
    expect(verifyWebhook({ headers: { "x-signature-256": sign(body), "x-webhook-event": "ping" }, body, secret: SECRET })).toEqual({
      ok: true,
      provider: "generic",
      event: "ping",
    });
  });

  it("rejects a wrong signature", () => {
    const body = Buffer.from("{}");
    expect(verifyWebhook({ headers: { "x-signature-256": sign(body, "nope") }, body, secret: SECRET })).toEqual({
      ok: false,
      reason: "bad-signature",
    });
  });
});

describe("verifyWebhook: nothing to verify", () => {
  it("rejects a request without any signature header", () => {
    expect(
      verifyWebhook({ headers: { "x-github-event": "push", "content-type": "application/json" }, body: pushBody, secret: SECRET }),
    ).toEqual({ ok: false, reason: "missing-signature" });
  });

  it("rejects everything, even a correctly signed empty-secret body, when the secret is empty", () => {
    expect(verifyWebhook({ headers: { "x-hub-signature-256": sign(pushBody, "") }, body: pushBody, secret: "" })).toEqual({
      ok: false,
      reason: "no-secret",
    });
  });
});
