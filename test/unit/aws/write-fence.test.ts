import { describe, expect, it } from "vitest";
import { assertWriteAllowed } from "../../../src/aws/index.js";

describe("assertWriteAllowed (the HA write fence every write path calls)", () => {
  it("lets a write go without a fence or with a fence that allows the key", () => {
    expect(() => assertWriteAllowed({}, "Service/c/a")).not.toThrow();
    expect(() => assertWriteAllowed({ writeFence: () => undefined }, "Service/c/a")).not.toThrow();
  });

  it("refuses with LeaseLost, retryable, naming the key, when the lease does not cover it", () => {
    const fence = (key: string) => (key.startsWith("Service/c2/") ? `${key}: no lease on shard 1` : undefined);
    expect(() => assertWriteAllowed({ writeFence: fence }, "Service/c1/a")).not.toThrow();
    expect(() => assertWriteAllowed({ writeFence: fence }, "Service/c2/b")).toThrow(
      expect.objectContaining({ code: "LeaseLost", retryable: true, where: "Service/c2/b" }),
    );
  });
});
