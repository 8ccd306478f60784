/**
 * The controller's longest event-loop stall while it loads a small commit incrementally (on its own
 * thread: src/source/incremental-load.ts), over the 1,000 / 1,000 / 300 fleet, for an ordinary
 * change and for pathological files within the bounds that keep a change on that thread. Run by
 * `npm run bench:load` after the worker-thread figures.
 */
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { CommitLoader, INCREMENTAL_BOUNDS } from "../src/source/incremental-load.js";
import { changeOneImage, FLEET_1000, writeFleet } from "./fleet.js";

/** Run `body` with an event-loop delay histogram on; the worst stall in ms. */
export async function maxStallMs(body: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The first tick only starts the clock: a stall before it would go unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await body();
  // The histogram's timer must fire once more to record a stall that ended just now.
  await new Promise((resolve) => setTimeout(resolve, 50));
  histogram.disable();
  return histogram.max / 1e6;
}

const MAX = INCREMENTAL_BOUNDS.maxFileBytes;
/** Repeats `line(i)` while the text stays within the per-file bound. */
const upTo = (head: string, line: (i: number) => string) => {
  let text = head;
  for (let i = 0; text.length + line(i).length <= MAX; i += 1) text += line(i);
  return text;
};
const HEAD = "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: slow\nspec:\n  junk:\n";

/** Pathological changes within the bounds: file name → text. */
const KIB = `${MAX / 1024} KiB`;
const { maxMarks, maxDocuments } = INCREMENTAL_BOUNDS;
/** Pathological changes within the byte bounds, file name → text; the screen sends them to the worker. */
export const SMALL_PATHOLOGICAL: Record<string, Record<string, string>> = {
  [`${KIB} of flow mappings`]: { "slow.yaml": upTo(HEAD, (i) => `    - {a${i}: [${i}, {b: x}], c: {d: ${i}}}\n`) },
  [`${KIB} of aliases to one anchor`]: {
    "aliases.yaml": upTo(`${HEAD}    anchor: &a [${Array.from({ length: 200 }, (_, i) => i).join(", ")}]\n`, (i) => `    k${i}: *a\n`),
  },
  [`${KIB} of nesting`]: { "deep.yaml": `${HEAD}    x: ${"[".repeat(MAX - HEAD.length - 20)}\n` },
  [`16 files of ${KIB} of bad documents`]: Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`bad-${i}.yaml`, upTo("", () => "---\nkind: X\n")]),
  ),
};
/** The worst the screen lets through: as many marks and documents as it allows, in files of the largest size. */
export const AT_THE_SCREEN: Record<string, Record<string, string>> = {
  [`${maxMarks / 2} nested flow lists`]: { "deep.yaml": `${HEAD}    x: ${"[".repeat(maxMarks / 2)}${"]".repeat(maxMarks / 2)}\n` },
  [`${maxDocuments} bad documents in each of 16 files`]: Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`bad-${i}.yaml`, `${"---\nkind: X\n".repeat(maxDocuments)}${"# padding\n".repeat(300)}`]),
  ),
};

export async function incrementalStalls(report: (what: string, value: string) => void): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-incremental-"));
  try {
    await writeFleet(dir, FLEET_1000, { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] });
    const loader = new CommitLoader();
    await loader.load({ root: dir, cluster: undefined });
    const measure = async (what: string) => {
      const started = performance.now();
      const stall = await maxStallMs(() => loader.load({ root: dir, cluster: undefined }));
      const wall = performance.now() - started - 100;
      report(`2,300 manifests, ${what}, loaded by the ${loader.last?.path ?? "?"}: max event-loop stall (ms)`, stall.toFixed(0));
      report(`2,300 manifests, ${what}: wall (ms)`, wall.toFixed(0));
    };
    await changeOneImage(dir, FLEET_1000, "2.0.0");
    await measure("one image changed");
    for (const [what, files] of Object.entries({ ...SMALL_PATHOLOGICAL, ...AT_THE_SCREEN })) {
      for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
      await measure(what);
      for (const file of Object.keys(files)) await unlink(path.join(dir, file));
      await loader.load({ root: dir, cluster: undefined });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
