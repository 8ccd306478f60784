import { spawn } from "node:child_process";
import path from "node:path";

const HERE = import.meta.dirname;

/** Where bench/tsconfig.child.json compiles to: `.scratch/bench-build/<path from the repository root>.js`. */
export const BENCH_BUILD = path.join(HERE, "..", ".scratch", "bench-build");

/**
 * The measured processes run compiled JavaScript, as the controller does in production: a
 * TypeScript loader would add its own thread (~30 MiB) to the RSS being measured. `project`: the
 * bench's child (bench/tsconfig.child.json), or tsconfig.build.json for the bin as shipped (dist/).
 */
export async function compileBench(project = path.join(HERE, "tsconfig.child.json")): Promise<void> {
  const tsc = path.join(HERE, "..", "node_modules", "typescript", "bin", "tsc");
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", project], { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`compiling ${path.relative(process.cwd(), project)} failed (tsc exit ${String(code)})`);
}
