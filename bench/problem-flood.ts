/**
 * A commit of small, screen-clean-looking files each full of YAML errors, loaded through the
 * CommitLoader as the controller does: wall time, problems kept, RSS and the longest event-loop
 * stall. `node --import tsx bench/problem-flood.ts [files] [shape]`; shapes: tab-seq, tab-indent, dup-keys.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CommitLoader } from "../src/source/incremental-load.js";

const SHAPES: Record<string, string> = {
  "tab-seq": `${"-\t".repeat(2040)}x\n`,
  "tab-indent": "\tx: 1\n".repeat(680),
  "dup-keys": Array.from({ length: 680 }, () => "a: 1\n").join(""),
};
const files = Number(process.argv[2] ?? 500);
const shape = process.argv[3] ?? "tab-seq";
const text = SHAPES[shape];
if (text === undefined) throw new Error(`unknown shape ${shape}: one of ${Object.keys(SHAPES).join(", ")}`);

const dir = await mkdtemp(path.join(tmpdir(), "problem-flood-"));
await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
for (let i = 0; i < files; i++) await writeFile(path.join(dir, `f${i}.yaml`), `${text}#${i}\n`);
let longest = 0;
let last = performance.now();
const tick = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last - 5);
  last = now;
}, 5);
let peakRss = process.memoryUsage().rss;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const started = performance.now();
const loader = new CommitLoader();
const load = await loader.load({ root: dir, cluster: undefined, commit: "c1" });
const ms = performance.now() - started;
clearInterval(tick);
clearInterval(sample);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const mib = (n: number) => Math.round(n / 1024 / 1024);
console.log(
  JSON.stringify({
    shape,
    files,
    path: loader.last?.path,
    problems: load.loaded?.problems.length ?? 0,
    ms: Math.round(ms),
    longestStallMs: Math.round(longest),
    peakRssMiB: mib(peakRss),
  }),
);
await rm(dir, { recursive: true, force: true });
