import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { loadConfigFile } from "../config.js";
import type { LoadedConfig } from "../config.js";
import { loadDocuments, loadManifestTree, parseSourceFiles, readManifestFiles } from "../manifests/load.js";
import type { LoadOptions } from "../manifests/load.js";
import type { ParsedDocument } from "../manifests/parse.js";
import { problem } from "../manifests/parse.js";
import type { LoadResult, Problem } from "../manifests/types.js";
import { registerSecretValue } from "../redact.js";
import { readOverlay } from "./overlay.js";
import type { Overlay } from "./overlay.js";
import { renderEnvironment } from "./render.js";
import type { RenderedDocument } from "./render.js";
import { resolveVariables, ssmNames } from "./variables.js";
import type { SsmValues } from "./variables.js";

export type SourceLoadOptions = LoadOptions & {
  /** validate at a repository root: every environment below it (otherwise one must be chosen). */
  allEnvironments?: boolean | undefined;
  /** Reads SSM parameters for `fromSsm` variables (diff, apply). */
  readSsm?: ((names: readonly string[]) => Promise<SsmValues>) | undefined;
  /**
   * validate and render: `fromSsm` variables stay `${X}` as written. Otherwise, with no `readSsm`,
   * they are an error: never sent to AWS unresolved.
   */
  offline?: boolean | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The commit's tree (`run`): bases must not lead out of it. Unset: the git work tree around the folder. */
  within?: string | undefined;
};
export type SourceLoadResult = LoadResult & { rendered: RenderedDocument[]; environments: string[] };

/**
 * The manifests below `root`, as one environment (or a plain repository) sees them: an
 * environment folder (its ecs-gitops.yaml lists `bases`) is rendered from its bases; a plain
 * folder has its variables substituted; a repository root holding environments is validated
 * environment by environment. File names in problems are relative to `root`.
 */
export async function loadSourceTree(root: string, options: SourceLoadOptions = {}): Promise<SourceLoadResult> {
  const info = await lstat(root).catch(() => undefined);
  if (!info?.isDirectory()) return { ...(await loadManifestTree(root, options)), rendered: [], environments: [] };
  const config = await loadConfigFile(root);
  const { overlay, problems } = overlayOf(config, "");
  if (overlay.bases.length > 0) return finish(await renderFolder(root, root, overlay, problems, options), options, ["."]);
  const read = await readManifestFiles(root, options);
  const environments: { dir: string; config: LoadedConfig; overlay: Overlay; problems: Problem[] }[] = [];
  for (const file of read.configs) {
    const dir = path.posix.dirname(file);
    const envConfig = await loadConfigFile(path.join(root, dir));
    const env = overlayOf(envConfig, dir);
    if (env.overlay.bases.length > 0) environments.push({ dir, config: envConfig, ...env });
  }
  if (environments.length === 0) {
    const rendered = await renderParsed(parseSourceFiles(read.files), overlay, undefined, [], options);
    return finish(
      { ...rendered, problems: [...read.problems, ...problems, ...rendered.problems], files: read.files.map((f) => f.file) },
      options,
      [],
    );
  }
  const names = environments.map((e) => e.dir);
  if (!options.allEnvironments) {
    const message =
      `this folder holds environments (${names.join(", ")}): pass --env NAME ` + `or the environment's folder (for example ${names[0]})`;
    return {
      manifests: [],
      problems: [problem({ file: ".", line: 1, column: 1 }, "PathNotFound", message)],
      files: [],
      rendered: [],
      environments: names,
    };
  }
  const out: SourceLoadResult = { manifests: [], problems: [], files: [], rendered: [], environments: names };
  const seen = new Set<string>();
  const byKey = new Map<string, { env: (typeof environments)[number] }[]>();
  for (const env of environments) {
    const envConfigProblems = env.config.problems.map((p) => ({ ...p, file: path.posix.join(env.dir, p.file) }));
    const one = finish(
      await renderFolder(root, path.join(root, env.dir), env.overlay, [...envConfigProblems, ...env.problems], {
        ...options,
        defaultCluster: env.config.config.cluster ?? options.defaultCluster,
      }),
      options,
      [],
    );
    // A base error shows once, not once per environment.
    for (const p of one.problems) {
      const id = `${p.file}:${p.line}:${p.column}:${p.message}`;
      if (!seen.has(id)) out.problems.push(p);
      seen.add(id);
    }
    out.manifests.push(...one.manifests);
    out.rendered.push(...one.rendered);
    out.files.push(...one.files.filter((f) => !out.files.includes(f)));
    for (const m of one.manifests) byKey.set(m.key, [...(byKey.get(m.key) ?? []), { env }]);
  }
  out.problems.push(...sharedIdentities(byKey));
  return out;
}

export function overlayOf(config: LoadedConfig, dir: string): { overlay: Overlay; problems: Problem[] } {
  const file = path.posix.join(dir, "ecs-gitops.yaml");
  const locate = config.locate ?? (() => ({ file, line: 1, column: 1 }));
  const { overlay, problems } = readOverlay(config.value ?? null, (at) => ({ ...locate(at), file }));
  return { overlay, problems };
}

/** Two environments deploying to one account and region must not make one resource: each would see the other's as not owned. */
function sharedIdentities(byKey: ReadonlyMap<string, { env: { dir: string; config: LoadedConfig; overlay: Overlay } }[]>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, owners] of byKey) {
    const where = (e: { config: LoadedConfig }) => `${e.config.config.account ?? "?"}/${e.config.config.region ?? "?"}`;
    for (const { env } of owners) {
      const others = owners.filter((o) => o.env !== env && where(o.env) === where(env));
      if (others.length === 0) continue;
      problems.push(
        problem(
          env.overlay.namingAt,
          "DuplicateIdentity",
          `${key} is made by this environment and by ${others.map((o) => o.env.dir).join(", ")} ` +
            `in the same account and region: each would block the other's as not owned. ` +
            `Give each environment its own nameSuffix or namePrefix (or its own account/region)`,
          { key },
        ),
      );
    }
  }
  return problems;
}

async function renderFolder(
  root: string,
  envDir: string,
  overlay: Overlay,
  problems: Problem[],
  options: SourceLoadOptions,
): Promise<Rendered> {
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join("/");
  const own = await readManifestFiles(envDir, options);
  const rename = (prefix: string) => (file: string) => (prefix === "" ? file : path.posix.join(prefix, file));
  const files = own.files.map((f) => ({ ...f, file: rename(rel(envDir))(f.file) }));
  const readProblems = own.problems.map((p) => ({ ...p, file: rename(rel(envDir))(p.file) }));
  const top = options.within === undefined ? await repositoryTop(envDir) : await realpath(options.within).catch(() => options.within);
  const baseFiles: typeof files = [];
  for (const base of overlay.bases) {
    const dir = path.resolve(envDir, base.dir);
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || !(await lstat(real)).isDirectory()) {
      problems.push(
        problem(base.at, "PathNotFound", `base ${base.dir} is not a folder (resolved to ${dir}): fix the path, relative to this file`),
      );
      continue;
    }
    if (top !== undefined && path.relative(top, real).startsWith("..")) {
      problems.push(
        problem(
          base.at,
          "PathNotFound",
          `base ${base.dir} is outside the repository (${top}): bases must be folders of the same repository`,
        ),
      );
      continue;
    }
    const read = await readManifestFiles(real, options);
    if (read.configs.length > 0)
      problems.push(
        problem(
          base.at,
          "InvalidValue",
          `base ${base.dir} holds ${read.configs.join(", ")}: a base is a plain folder of manifests, not an environment`,
        ),
      );
    baseFiles.push(...read.files.map((f) => ({ ...f, file: rename(rel(real))(f.file) })));
    readProblems.push(...read.problems.map((p) => ({ ...p, file: rename(rel(real))(p.file) })));
  }
  const base = parseSourceFiles(baseFiles);
  const ownParsed = parseSourceFiles(files);
  const rendered = await renderParsed(ownParsed, overlay, path.posix.join(rel(envDir), "ecs-gitops.yaml"), base.documents, options);
  return {
    ...rendered,
    problems: [...readProblems, ...problems, ...base.problems, ...rendered.problems],
    files: [...baseFiles, ...files].map((f) => f.file),
  };
}

async function renderParsed(
  own: { documents: ParsedDocument[]; problems: Problem[] },
  overlay: Overlay,
  overlayFile: string | undefined,
  baseDocuments: ParsedDocument[],
  options: SourceLoadOptions,
): Promise<{ rendered: RenderedDocument[]; problems: Problem[]; documents: ParsedDocument[] }> {
  const problems: Problem[] = [...own.problems];
  const fail = (at: { file: string; line: number; column: number }, message: string) => problems.push(problem(at, "InvalidValue", message));
  const names = ssmNames(overlay.vars);
  const ssm = names.length > 0 && options.readSsm ? await options.readSsm(names) : undefined;
  if (names.length > 0 && ssm === undefined && !options.offline) {
    for (const source of overlay.vars.values())
      if (source.type === "fromSsm")
        fail(
          source.at,
          `fromSsm variables are read by diff, apply and run; this command reads no SSM: use {fromEnv: NAME} or a value here`,
        );
  }
  for (const value of ssm?.values() ?? []) if (value.secure) registerSecretValue(value.value);
  const vars = resolveVariables(overlay.vars, options.env ?? process.env, ssm, fail);
  const result = renderEnvironment({ overlayFile, overlay, baseDocuments, ownDocuments: own.documents, vars });
  return { rendered: result.documents, problems: [...problems, ...result.problems], documents: result.documents.map((d) => d.doc) };
}

type Rendered = { rendered: RenderedDocument[]; problems: Problem[]; documents: ParsedDocument[]; files: string[] };

function finish(rendered: Rendered, options: SourceLoadOptions, environments: string[]): SourceLoadResult {
  const loaded = loadDocuments(rendered.documents, rendered.files, rendered.problems, options);
  return { ...loaded, rendered: rendered.rendered, environments };
}

/** The git work tree holding `dir` (a `.git` entry above it); undefined outside git. */
async function repositoryTop(dir: string): Promise<string | undefined> {
  for (let current = await realpath(dir); ; current = path.dirname(current)) {
    if (await lstat(path.join(current, ".git")).catch(() => undefined)) return current;
    if (path.dirname(current) === current) return undefined;
  }
}
