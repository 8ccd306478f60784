import { describe, expect, it } from "vitest";
import { parseTaskCpu, parseTaskMemory } from "../../../../src/resources/common/units.js";

describe("parseTaskCpu", () => {
  it.each([
    [256, 256],
    ["256", 256],
    [" 1024 ", 1024],
    ["1 vCPU", 1024],
    ["1 vcpu", 1024],
    ["1vCPU", 1024],
    ["0.25 vCPU", 256],
    [".5 vcpu", 512],
    ["2 vCPUs", 2048],
    ["16 vCPU", 16384],
    ["0.125 vCPU", 128],
  ] as const)("reads %j as %i CPU units", (input, units) => {
    expect(parseTaskCpu(input)).toBe(units);
  });

  it.each([0, -256, 1.5, "0", "", "lots", "1 GB", "0.3 vCPU", "1 cpu", "1 vCPU extra", null, true, undefined, [256], { cpu: 256 }])(
    "refuses %j",
    (input) => {
      expect(parseTaskCpu(input)).toBeUndefined();
    },
  );
});

describe("parseTaskMemory", () => {
  it.each([
    [512, 512],
    ["512", 512],
    ["2 GB", 2048],
    ["2GB", 2048],
    ["0.5 GB", 512],
    ["1 gb", 1024],
    ["4 GiB", 4096],
    ["120 GB", 122880],
  ] as const)("reads %j as %i MiB", (input, mib) => {
    expect(parseTaskMemory(input)).toBe(mib);
  });

  it.each([0, -1, 0.5, "0 GB", "", "2 TB", "512 MiB", "1 vCPU", "0.0001 GB", null, false, undefined])("refuses %j", (input) => {
    expect(parseTaskMemory(input)).toBeUndefined();
  });
});
