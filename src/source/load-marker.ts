import { readFile, rm, writeFile } from "node:fs/promises";

/**
 * A file in the work dir that names the commit the controller's thread is loading while it loads
 * it. A load there shares the process: if it kills it (a V8 abort no `catch` sees, a liveness
 * probe's SIGKILL during a long stall), the file survives, and the restarted process sends that
 * commit to the worker, whose isolate dies alone. Without it the same commit would be the first
 * load after every restart: a crash loop until git is fixed.
 */
export class LoadMarker {
  readonly #file: string;
  /** Commits named by a marker that a previous process left: read once, kept for the process's life. */
  #crashed: Promise<Set<string>> | undefined;
  /** A load ran here since the start: a marker cut short (its commit unknown) no longer applies. */
  #loaded = false;

  constructor(file: string) {
    this.#file = file;
  }

  /** Whether a previous process died while its thread loaded `commit`. */
  async crashedOn(commit: string): Promise<boolean> {
    this.#crashed ??= readFile(this.#file, "utf8").then(
      (text) => new Set([parsed(text)].filter((c): c is string => c !== undefined)),
      () => new Set<string>(),
    );
    const crashed = await this.#crashed;
    return crashed.has(commit) || (crashed.has(UNKNOWN) && !this.#loaded);
  }

  /**
   * Runs `load` with the marker naming `commit` on disk. Undefined, without running it, when the
   * marker cannot be written: a load that could crash unseen must not run here.
   */
  async around<T>(commit: string, load: () => Promise<T>): Promise<T | undefined> {
    // Read before the first write replaces what a previous process left.
    await this.crashedOn(commit);
    const written = await writeFile(this.#file, `${JSON.stringify({ commit, startedAt: new Date().toISOString() })}\n`).then(
      () => true,
      () => false,
    );
    if (!written) return undefined;
    this.#loaded = true;
    try {
      return await load();
    } finally {
      await rm(this.#file, { force: true }).catch(() => undefined);
    }
  }
}

const UNKNOWN = "";

function parsed(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { commit?: unknown };
    return typeof value.commit === "string" ? value.commit : undefined;
  } catch {
    // A marker cut short by the crash: the commit is unknown, so the first load after it is not trusted here.
    return UNKNOWN;
  }
}
