import { readFileSync } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { distance } from "fastest-levenshtein";
import ignore from "ignore";
import type { Ignore } from "ignore";
import { readEnvelope } from "./envelope.js";
import { dropDuplicates } from "./duplicates.js";
import { resourceKey } from "./identity.js";
import { decodeManifestBytes, MAX_COMMIT_NODES, MAX_FILE_NODES, parseManifestText, problem } from "./parse.js";
import type { ParsedDocument } from "./parse.js";
import { detectRawInput } from "./raw-input.js";
import { isJsonObject } from "../json.js";
import { DEFAULT_MAX_COMMIT_BYTES, readRegularFile, symlinkProblem } from "./read-file.js";
import { checkSpecSchema } from "./schema-check.js";
import { API_VERSION, KINDS } from "./types.js";
import type { LoadResult, Manifest, Problem } from "./types.js";

/** The controller-wide settings file at the manifests root; never read as a manifest. */
export const CONFIG_FILE_NAMES = ["ecs-gitops.yaml", "ecs-gitops.yml"];
/** Manifest file names: YAML, or JSON in the same envelope (YAML's parser reads JSON with positions). */
export const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/** Beyond this many files something is wrong (a vendored tree under the path). */
export const MAX_MANIFEST_FILES = 20_000;

export type LoadOptions = {
  defaultCluster?: string | undefined;
  /** Bound on the bytes read for one load (default 50 MiB); files past it are reported, not read. */
  maxCommitBytes?: number | undefined;
};
/** `path`: where the file can be read again (to locate a problem) without keeping its text. */
export type SourceFile = { file: string; bytes: Uint8Array; path?: string };

/** Read every manifest file below `root` (dot-folders skipped) and load them. */
export async function loadManifestTree(root: string, options: LoadOptions = {}): Promise<LoadResult> {
  const { files, problems } = await readManifestFiles(root, options);
  // A missing root is one problem, not also an "empty repository".
  if (problems.some((p) => p.code === "PathNotFound")) return { manifests: [], problems, files: [] };
  const result = loadManifestFiles(files, options);
  return { ...result, problems: [...problems, ...result.problems] };
}

/**
 * The manifest files (YAML, JSON) below `root`, read the same way in every command: only regular files, each
 * size-checked before it is read, at most `maxCommitBytes` in all. A symbolic link (file, folder
 * or the root itself) is reported, never followed: it could leave the repository.
 */
export async function readManifestFiles(
  root: string,
  options: LoadOptions = {},
): Promise<{ files: SourceFile[]; problems: Problem[]; configs: string[] }> {
  const problems: Problem[] = [];
  const files: SourceFile[] = [];
  // Settings files below the root: environments (envs/prod/ecs-gitops.yaml), never manifests.
  const configs: string[] = [];
  const maxCommitBytes = options.maxCommitBytes ?? DEFAULT_MAX_COMMIT_BYTES;
  let totalBytes = 0;
  const admit = (file: string) => (sizeBytes: number) => {
    if (totalBytes + sizeBytes <= maxCommitBytes) {
      totalBytes += sizeBytes;
      return undefined;
    }
    return problem(
      { file, line: 1, column: 1 },
      "FileTooLarge",
      `not read: with this file's ${sizeBytes} bytes the manifests would pass ` +
        `the ${maxCommitBytes}-byte cap on one commit (--max-commit-bytes); move ` +
        `other files out of the manifests path or raise the cap`,
    );
  };
  const read = async (full: string, file: string) => {
    const outcome = await readRegularFile(full, file, admit(file));
    if (outcome === undefined) return;
    if ("problem" in outcome) problems.push(outcome.problem);
    else files.push({ file, bytes: outcome.bytes, path: full });
  };
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat) {
    // Problem files are relative to the root, so the root itself is ".".
    return {
      files: [],
      configs,
      problems: [
        problem({ file: ".", line: 1, column: 1 }, "PathNotFound", `path "${root}" does not exist (check --path / the repository layout)`),
      ],
    };
  }
  if (rootStat.isSymbolicLink()) {
    const target = await realpath(root).catch(() => "(nothing)");
    return {
      files: [],
      configs,
      problems: [
        problem(
          { file: ".", line: 1, column: 1 },
          "PathNotFound",
          `path "${root}" is a symbolic link (to ${target}); links are never followed: pass the folder itself`,
        ),
      ],
    };
  }
  if (!rootStat.isDirectory()) {
    await read(root, path.basename(root));
    return { files, problems, configs };
  }
  const ignored = await readIgnoreFile(root, problems);
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || files.length >= MAX_MANIFEST_FILES) continue;
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      if (ignored.ignores(entry.isDirectory() ? `${rel}/` : rel)) continue;
      const isConfig = CONFIG_FILE_NAMES.includes(entry.name);
      if (isConfig && dir !== root && entry.isFile()) configs.push(rel);
      const isManifest = MANIFEST_FILE.test(entry.name) && !isConfig;
      if (entry.isDirectory()) await walk(full);
      // A linked folder or manifest: reported, so that no command silently skips what another reads.
      else if (entry.isSymbolicLink()) {
        if (isManifest || (await isDirectoryTarget(full))) problems.push(symlinkProblem(rel));
      } else if (isManifest) await read(full, rel);
    }
  };
  await walk(root);
  if (files.length >= MAX_MANIFEST_FILES) {
    problems.push(
      problem(
        { file: ".", line: 1, column: 1 },
        "FileTooLarge",
        `more than ${MAX_MANIFEST_FILES} manifest files below "${root}": point --path at the manifests folder`,
      ),
    );
  }
  return { files, problems, configs };
}

export const IGNORE_FILE = ".ecs-gitopsignore";

/** The root's .ecs-gitopsignore (gitignore syntax): what the walk skips. Read like a manifest. */
async function readIgnoreFile(root: string, problems: Problem[]): Promise<Ignore> {
  const rules = ignore();
  const outcome = await readRegularFile(path.join(root, IGNORE_FILE), IGNORE_FILE);
  if (outcome === undefined) return rules;
  if ("problem" in outcome) problems.push(outcome.problem);
  else rules.add(Buffer.from(outcome.bytes).toString("utf8"));
  return rules;
}

async function isDirectoryTarget(link: string): Promise<boolean> {
  return (await stat(link).catch(() => undefined))?.isDirectory() ?? false;
}

/** Parse, envelope-check, schema-check and identify every document. Pure. */
export function loadManifestFiles(files: readonly SourceFile[], options: LoadOptions = {}): LoadResult {
  const { documents, problems } = parseSourceFiles(files);
  return loadDocuments(
    documents,
    files.map((f) => f.file),
    problems,
    options,
  );
}

/**
 * Decode and parse every file; keep only the documents that are manifests. Another tool's file
 * below the path (docker-compose.yml, package.json, a GitHub workflow) is skipped with a note. Pure.
 */
export function parseSourceFiles(files: readonly SourceFile[]): { documents: ParsedDocument[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const documents: ParsedDocument[] = [];
  const budget = { nodesLeft: MAX_COMMIT_NODES };
  for (const source of files) {
    const parsed = parseSourceFile(source, Math.min(MAX_FILE_NODES, budget.nodesLeft));
    budget.nodesLeft -= parsed.nodes;
    problems.push(...parsed.problems);
    documents.push(...parsed.documents);
  }
  return { documents, problems };
}

/** One file of `parseSourceFiles`, with at most `maxNodes` YAML nodes; `nodes`: what it took of the commit's budget. Pure. */
export function parseSourceFile(source: SourceFile, maxNodes: number): { documents: ParsedDocument[]; problems: Problem[]; nodes: number } {
  const problems: Problem[] = [];
  const documents: ParsedDocument[] = [];
  try {
    const decoded = decodeManifestBytes(source.file, source.bytes);
    if ("problem" in decoded) return { documents, problems: [decoded.problem], nodes: 0 };
    const parsed = parseManifestText(source.file, decoded.text, maxNodes, readAgain(source));
    problems.push(...parsed.problems);
    for (const doc of parsed.documents) {
      const note = notAManifest(doc);
      if (note) problems.push(note);
      else documents.push(doc);
    }
    return { documents, problems, nodes: parsed.nodes };
  } catch (error) {
    // A defect in a check must cost one file, located, not the whole commit.
    const why = error instanceof Error ? error.message : String(error);
    const failed = problem(
      { file: source.file, line: 1, column: 1 },
      "YamlSyntax",
      `this file could not be loaded (${why.slice(0, 200)}); simplify it, and please report the input`,
    );
    return { documents: [], problems: [failed], nodes: 0 };
  }
}

/** The file's text read once more (a problem to locate after the load let the text go); undefined when it cannot be. */
function readAgain({ file, path: full }: SourceFile): (() => string | undefined) | undefined {
  // Only the names: holding `bytes` would keep what the locator lets go.
  return full === undefined ? undefined : () => readTextAgain(file, full);
}

/** `file` (reported name) read from `full` and decoded; `accept` may refuse the bytes (they changed since). */
export function readTextAgain(file: string, full: string, accept: (bytes: Uint8Array) => boolean = () => true): string | undefined {
  try {
    const bytes = readFileSync(full);
    if (!accept(bytes)) return undefined;
    const decoded = decodeManifestBytes(file, bytes);
    return "text" in decoded ? decoded.text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Another tool's document (docker-compose.yml, package.json, a workflow, a Kubernetes manifest) is
 * skipped with a note. Anything that could be a manifest with a mistake stays one, so that the
 * mistake is an error and not a silently unmanaged resource: one of our kinds, an apiVersion close
 * to ours, or, without an apiVersion, a kind, metadata or spec field.
 */
function notAManifest(doc: ParsedDocument): Problem | undefined {
  const value = doc.value;
  if (!isJsonObject(value) || KINDS.some((kind) => kind === value["kind"])) return undefined;
  const apiVersion = value["apiVersion"];
  if (typeof apiVersion === "string") {
    const group = apiVersion.split("/")[0] ?? "";
    if (apiVersion.startsWith("ecs-gitops/") || distance(group.toLowerCase(), "ecs-gitops") <= 3) return undefined;
  } else if (apiVersion !== undefined || "kind" in value || "metadata" in value || "spec" in value) {
    return undefined;
  }
  const raw = detectRawInput(value);
  const at = doc.locate([]);
  if (raw !== undefined) {
    return {
      ...problem(
        at,
        "RawAwsInput",
        `skipped: this looks like a raw ${raw}, not an ecs-gitops manifest: run ` +
          `\`ecs-gitops import ${doc.file}\` to convert it (it writes the apiVersion/kind/metadata/spec ` +
          `envelope)`,
      ),
      severity: "note",
    };
  }
  const what = typeof apiVersion === "string" ? `apiVersion ${JSON.stringify(apiVersion.slice(0, 60))}` : "no apiVersion";
  return {
    ...problem(
      at,
      "NotAManifest",
      `skipped: ${what}, so not an ecs-gitops manifest (manifests start with ` +
        `apiVersion: ${API_VERSION}); list the file in ${IGNORE_FILE} to silence ` +
        `this note`,
    ),
    severity: "note",
  };
}

/** Envelope-check, schema-check and identify parsed documents; report duplicates and an empty set. Pure. */
export function loadDocuments(
  documents: readonly ParsedDocument[],
  files: readonly string[],
  problems: Problem[],
  options: LoadOptions = {},
): LoadResult {
  const manifests: Manifest[] = [];
  for (const doc of documents) {
    const checked = checkDocument(doc, options);
    problems.push(...checked.problems);
    if (checked.manifest) manifests.push(checked.manifest);
  }
  return finishDocuments(manifests, files, problems);
}

/** One document envelope- and schema-checked: its manifest when it has no error. Pure. */
export function checkDocument(doc: ParsedDocument, options: LoadOptions = {}): { manifest?: Manifest; problems: Problem[] } {
  const problems: Problem[] = [];
  try {
    const manifest = loadDocument(doc, options, problems);
    return manifest === undefined ? { problems } : { manifest, problems };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    problems.push(
      problem(
        doc.position,
        "YamlSyntax",
        `this document could not be loaded (${why.slice(0, 200)}); simplify it, and please report the input`,
      ),
    );
    return { problems };
  }
}

/** The checks over every checked document of a load: an empty set, and duplicate identities. */
export function finishDocuments(manifests: Manifest[], files: readonly string[], problems: Problem[]): LoadResult {
  // Files that hold only comments, empty documents or other tools' files: nothing to manage.
  if (manifests.length === 0 && !problems.some((p) => p.severity === "error")) {
    problems.push(
      problem(
        { file: ".", line: 1, column: 1 },
        "EmptyRepo",
        "no manifests found (no *.yaml, *.yml or *.json files with apiVersion: " +
          "ecs-gitops/v1, or only empty ones): nothing to manage (an empty " +
          "desired state is refused so that nothing is pruned by mistake)",
      ),
    );
  }
  return { manifests: dropDuplicates(manifests, problems), problems, files: [...files] };
}

function loadDocument(doc: ParsedDocument, options: LoadOptions, problems: Problem[]): Manifest | undefined {
  const { envelope, problems: envelopeProblems } = readEnvelope(doc);
  problems.push(...envelopeProblems);
  if (!envelope) return undefined;
  const key = resourceKey(envelope.kind, envelope.name, envelope.spec, options.defaultCluster);
  const locate = (specPath: readonly (string | number)[]) => doc.locate(["spec", ...specPath]);
  const findings = checkSpecSchema(envelope.kind, envelope.spec);
  for (const finding of findings) problems.push(problem(locate(finding.path), finding.code, finding.message, { key }));
  if (findings.length > 0) return undefined;
  return { ...envelope, key, file: doc.file, position: doc.position, locate, locateDocument: (path) => doc.locate(path) };
}
