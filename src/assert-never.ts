/** Exhaustiveness guard: the compiler proves the `default` of a `switch` over a union unreachable. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
