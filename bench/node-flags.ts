import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The node flags the `ecs-gitops` bin script runs with: its shebang is the one place they are
 * written (`#!/usr/bin/env -S node …`); the Dockerfile repeats them (a unit test keeps the two
 * equal) and the benchmark measures the controller with them, as a user runs it.
 */
export function binNodeFlags(root = path.join(import.meta.dirname, "..")): string[] {
  const shebang = readFileSync(path.join(root, "src", "cli", "main.ts"), "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(shebang);
  if (match === null) throw new Error(`src/cli/main.ts:1: expected "#!/usr/bin/env -S node --flag …", found "${shebang}"`);
  return (match[1] ?? "").split(" ").filter((flag) => flag !== "");
}
