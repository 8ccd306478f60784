import { describe, expect, it } from "vitest";
import { redactDeep, redactUrl, registerSecretValue } from "../../../src/redact.js";

describe("SecureString values in output", () => {
  it("are masked in every text that leaves the process, whatever field holds them", () => {
    const value = "p4ss-from-ssm-71";
    expect(redactUrl(`UPSTREAM_HEADER: Bearer ${value}`)).toContain(value);
    registerSecretValue(value);
    expect(redactUrl(`UPSTREAM_HEADER: Bearer ${value}`)).toBe("UPSTREAM_HEADER: Bearer (masked)");
    expect(redactDeep({ msg: "planned", fields: [{ desired: `x${value}x` }] })).toEqual({
      msg: "planned",
      fields: [{ desired: "x(masked)x" }],
    });
  });

  it("a value too short to be told from ordinary text is not registered", () => {
    registerSecretValue("on");
    expect(redactUrl("FEATURE: on")).toBe("FEATURE: on");
  });
});
