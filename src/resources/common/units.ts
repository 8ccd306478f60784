import type { JsonValue } from "../../json.js";

// xref: RegisterTaskDefinition `cpu`/`memory`: "expressed as an integer using CPU units, for
// example 1024, or as a string using vCPUs, for example 1 vCPU or 1 vcpu" / "an integer using
// MiB, for example 1024, or as a string using GB, for example 1GB or 1 GB". ECS stores and
// returns the integer form as a string ("1024"), so both sides normalize through these.
const CPU_UNITS_PER_VCPU = 1024;
const MIB_PER_GB = 1024;

/** Task-level cpu in CPU units (1024 = 1 vCPU); undefined when not a valid positive amount. */
export function parseTaskCpu(value: JsonValue | undefined): number | undefined {
  return parseAmount(value, /^vcpus?$/i, CPU_UNITS_PER_VCPU);
}

/** Task-level memory in MiB; undefined when not a valid positive amount. */
export function parseTaskMemory(value: JsonValue | undefined): number | undefined {
  return parseAmount(value, /^gi?b$/i, MIB_PER_GB);
}

function parseAmount(value: JsonValue | undefined, unit: RegExp, perUnit: number): number | undefined {
  if (typeof value === "number") return isPositiveInteger(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return positiveOrUndefined(Number(text));
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)$/.exec(text);
  if (!match || !unit.test(match[2] ?? "")) return undefined;
  // "0.3 vCPU" would be 307.2 units: AWS rejects fractions of a unit, and so do we.
  const amount = Number(match[1]) * perUnit;
  return Number.isInteger(amount) ? positiveOrUndefined(amount) : undefined;
}

function isPositiveInteger(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function positiveOrUndefined(n: number): number | undefined {
  return isPositiveInteger(n) ? n : undefined;
}
