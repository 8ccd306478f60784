import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.js";

describe("CLI output", () => {
  it.each([
    ["status with a credentialed --url", ["status", "--url", "HTTP://ops:pw-31a9@127.0.0.1:1"]],
    ["status with a token in --url", ["status", "--url", "https://tok-pw-31a9@127.0.0.1:1"]],
  ])("never prints a password in a URL: %s", async (_what, argv) => {
    let text = "";
    const code = await runCli(argv, { out: (t) => void (text += t), err: (t) => void (text += t) });
    expect(code).not.toBe(0);
    expect(text).not.toContain("pw-31a9");
    expect(text).toContain("***@");
  });
});
