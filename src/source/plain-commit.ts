import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import path from "node:path";
import type { LoadedConfig } from "../config.js";
import { overlayOf } from "../environments/load.js";
import type { Overlay } from "../environments/overlay.js";
import { renderEnvironment } from "../environments/render.js";
import { resolveVariables, ssmNames } from "../environments/variables.js";
import type { Resolved } from "../environments/variables.js";
import { checkDocument, finishDocuments, parseSourceFile, readManifestFiles, readTextAgain } from "../manifests/load.js";
import type { SourceFile } from "../manifests/load.js";
import { lazyLocator, locateIn } from "../manifests/locate.js";
import { MAX_COMMIT_NODES, MAX_FILE_NODES, MAX_NESTING_DEPTH, problem } from "../manifests/parse.js";
import type { LoadResult, Manifest, Problem, SourcePosition } from "../manifests/types.js";
import { validateOptions, withSemanticProblems } from "../resources/load.js";
import { validationSteps } from "../resources/validate.js";
import { screenFile, withinBounds } from "./byte-screen.js";
import type { ParseBounds } from "./byte-screen.js";

export type { ParseBounds } from "./byte-screen.js";

/**
 * A plain commit (one folder of manifests: no environments, bases, renames, patches nor SSM
 * variables) loaded file by file. What a file parses, renders and checks to depends only on its
 * bytes and on the commit's cluster and variables, so each file's share is kept under its bytes'
 * digest and the next commit parses only the files whose bytes changed; the checks across files
 * (duplicates, references between manifests) run over the whole set every time.
 */

/** One manifest file's share of a load. `manifests` carry no locators (they cross threads); `indexes`: each one's document in the file. */
export type FileEntry = { file: string; digest: string; nodes: number; manifests: Manifest[]; indexes: number[]; problems: Problem[] };
/** The per-file shares of the last load and what they depend on besides each file's bytes. */
export type LoadMemo = { fingerprint: string; entries: FileEntry[] };

type PlainSettings = { overlay: Overlay; problems: Problem[]; vars: Resolved; fingerprint: string; defaultCluster: string | undefined };

export type PlainLoadOptions = {
  defaultCluster: string | undefined;
  maxCommitBytes?: number | undefined;
  /** The last load's shares: files with the same name and bytes are not parsed again. */
  memo?: LoadMemo | undefined;
  /** Set for a load in the controller's own thread: undefined when the files to parse (without a memo that applies: all) are past them. */
  bounds?: ParseBounds | undefined;
};

/**
 * The commit below `root` loaded file by file, or undefined when it is not a plain commit (the
 * environment loader reads it) or, with `bounds`, when it cannot be loaded from the memo within
 * them. Yields to the event loop between the files it parses when `bounds` is set.
 */
export async function loadPlainCommit(
  root: string,
  config: LoadedConfig,
  options: PlainLoadOptions,
): Promise<{ loaded: LoadResult; memo: LoadMemo; parsed: number } | undefined> {
  const settings = plainSettings(config, options.defaultCluster);
  if (settings === undefined || !(await lstat(root).catch(() => undefined))?.isDirectory()) return undefined;
  const reuse = options.memo?.fingerprint === settings.fingerprint ? options.memo : undefined;
  const read = await readManifestFiles(root, { maxCommitBytes: options.maxCommitBytes });
  // Settings files below the root make it a repository of environments.
  if (read.configs.length > 0) return undefined;
  const known = new Map((reuse?.entries ?? []).map((e) => [`${e.digest}\0${e.file}`, e]));
  // On the controller's thread the work is cut in slices, with the event loop served between them.
  const sliceUsed = options.bounds === undefined ? () => false : slicer(SLICE_MS);
  const files: { source: SourceFile; digest: string }[] = [];
  for (const source of read.files) {
    files.push({ source, digest: digestOf(source.bytes) });
    if (sliceUsed()) await nextTurn();
  }
  const changed = files.filter((f) => !known.has(`${f.digest}\0${f.source.file}`));
  if (options.bounds !== undefined && !(await withinBounds(changed, options.bounds, sliceUsed, nextTurn))) return undefined;
  const entries: FileEntry[] = [];
  const located: Manifest[][] = [];
  const offThread = { asked: false };
  let problemCount = 0;
  const overBudget = (added: number) => options.bounds !== undefined && (problemCount += added) > options.bounds.maxLoadProblems;
  for (const { source, digest } of files) {
    const entry = known.get(`${digest}\0${source.file}`);
    if (entry !== undefined) {
      entries.push(entry);
      if (overBudget(entry.problems.length)) return undefined;
      // Locating a problem in a kept file parses it again on this thread: only one within the bounds.
      const parsesHere = options.bounds === undefined || !screenFile(source.bytes, options.bounds).over;
      located.push(relocated(entry, path.join(root, entry.file), parsesHere ? undefined : offThread));
      if (sliceUsed()) await nextTurn();
      continue;
    }
    // One changed file per slice (the bounds keep each one short).
    if (options.bounds !== undefined) await nextTurn();
    const fresh = loadFile(source, digest, settings);
    // Many broken files: the worker, with its heap cap and time limit, builds the rest.
    if (overBudget(fresh.entry.problems.length)) return undefined;
    entries.push(fresh.entry);
    located.push(fresh.located);
  }
  // Past this, a full load caps the later files by what the earlier ones took (parseSourceFiles):
  // the per-file shares would no longer be independent of each other.
  if (entries.reduce((sum, e) => sum + e.nodes, 0) > MAX_COMMIT_NODES - MAX_FILE_NODES) return undefined;
  const problems = [...read.problems, ...settings.problems, ...entries.flatMap((e) => e.problems)];
  const loaded = finishDocuments(
    located.flat(),
    files.map((f) => f.source.file),
    problems,
  );
  const semantic: Problem[] = [];
  for (const found of validationSteps(loaded.manifests, validateOptions(loaded, { defaultCluster: settings.defaultCluster }))) {
    semantic.push(...found);
    if (offThread.asked || overBudget(found.length)) return undefined;
    if (sliceUsed()) await nextTurn();
  }
  // A problem in a large kept file asked for a position: the worker loads the commit and locates it.
  if (offThread.asked) return undefined;
  return { loaded: withSemanticProblems(loaded, semantic), memo: { fingerprint: settings.fingerprint, entries }, parsed: changed.length };
}

/** The longest the controller's thread works on an incremental load before it serves the event loop. */
const SLICE_MS = 10;

/** True once `ms` have passed since the last time it said so (or since it was made). */
function slicer(ms: number): () => boolean {
  let started = performance.now();
  return () => {
    if (performance.now() - started < ms) return false;
    started = performance.now();
    return true;
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The overlay of a plain commit (variables only), or undefined for anything the environment loader must render. */
function plainSettings(config: LoadedConfig, defaultCluster: string | undefined): PlainSettings | undefined {
  const { overlay, problems } = overlayOf(config, "");
  const renders = overlay.bases.length > 0 || overlay.patches.length > 0 || overlay.remove.length > 0;
  if (renders || overlay.namePrefix !== "" || overlay.nameSuffix !== "" || ssmNames(overlay.vars).length > 0) return undefined;
  const fail = (at: SourcePosition, message: string) => problems.push(problem(at, "InvalidValue", message));
  const vars = resolveVariables(overlay.vars, process.env, undefined, fail);
  // Only a digest: a variable's value must not be kept in the clear beside the manifests.
  const values = [...vars].map(([name, v]) => [name, typeof v === "object" ? v.value : String(v)]);
  const fingerprint = digestOf(JSON.stringify({ defaultCluster: defaultCluster ?? null, values }));
  return { overlay, problems, vars, fingerprint, defaultCluster };
}

/** Parse, render (variables) and check one file, as the environment loader does for each of a plain commit's files. */
function loadFile(source: SourceFile, digest: string, settings: PlainSettings): { entry: FileEntry; located: Manifest[] } {
  const parsed = parseSourceFile(source, MAX_FILE_NODES);
  const rendered = renderEnvironment({ overlay: settings.overlay, baseDocuments: [], ownDocuments: parsed.documents, vars: settings.vars });
  const problems = [...parsed.problems, ...rendered.problems];
  const located: Manifest[] = [];
  const indexes: number[] = [];
  for (const { doc } of rendered.documents) {
    const checked = checkDocument(doc, { defaultCluster: settings.defaultCluster });
    problems.push(...checked.problems);
    if (checked.manifest === undefined) continue;
    located.push(checked.manifest);
    indexes.push(doc.index);
  }
  const manifests = located.map((m) => {
    const bare = withoutLocators(m);
    sentAs.set(m, bare);
    return bare;
  });
  return { entry: { file: source.file, digest, nodes: parsed.nodes, manifests, indexes, problems }, located };
}

/**
 * A kept file's manifests with locators that read the file again (from `full`, only if its bytes
 * are unchanged). With `refuse`, a locator parses nothing: it notes that a position was asked for
 * (the load then goes to the worker) and answers the document's start meanwhile.
 */
function relocated(entry: FileEntry, full: string, refuse?: { asked: boolean }): Manifest[] {
  const text = () => {
    if (refuse === undefined) return readTextAgain(entry.file, full, (bytes) => digestOf(bytes) === entry.digest);
    refuse.asked = true;
    return undefined;
  };
  const locator = lazyLocator(entry.file, text, MAX_NESTING_DEPTH);
  return entry.manifests.map((m, i) => {
    const locateDocument = locateIn(locator, entry.indexes[i] ?? 0, m.position);
    const located: Manifest = { ...m, locate: (specPath) => locateDocument(["spec", ...specPath]), locateDocument };
    sentAs.set(located, m);
    return located;
  });
}

// A loaded manifest's twin without locators, kept in the memo: the load's result sends that one.
const sentAs = new WeakMap<Manifest, Manifest>();

/** A manifest as it crosses a thread: its locators are closures over the loading thread's files. */
export function withoutLocators(manifest: Manifest): Manifest {
  const twin = sentAs.get(manifest);
  if (twin !== undefined) return twin;
  const { locate: _locate, locateDocument: _document, ...rest } = manifest;
  return rest as Manifest;
}

function digestOf(data: Uint8Array | string): string {
  return createHash("sha1").update(data).digest("base64");
}
