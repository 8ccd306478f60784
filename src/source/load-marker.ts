import { readFile, rename, rm, writeFile } from "node:fs/promises";

/**
 * A file in the work dir that names the commit the controller's thread is loading while it loads
 * it. A load there shares the process: if it kills it (a V8 abort no `catch` sees, a liveness
 * probe's SIGKILL during a long stall), the file survives, and the restarted process sends that
 * commit to the worker, whose isolate dies alone. Without it the same commit would be the first
 * load after every restart: a crash loop until git is fixed. The work dir on ECS is the task's
 * ephemeral disk: a replaced task starts without it, and only the byte screen's bounds protect it
 * (docs/controller-memory.md#what-keeps-a-load-on-this-thread-from-taking-the-process-down).
 */
export class LoadMarker {
  readonly #file: string;
  /** Commits named by a marker that a previous process left: read once, kept for the process's life. */
  #crashed: Promise<Set<string>> | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Whether a previous process died while its thread loaded `commit`. A marker cut short names no
   * commit: it answers true once, for the first load after the start, then never again.
   */
  async crashedOn(commit: string): Promise<boolean> {
    const crashed = await this.#read();
    if (crashed.has(commit)) return true;
    return crashed.delete(UNKNOWN);
  }

  /**
   * Removes the marker a previous process left, once its commit went to the worker: a marker that
   * stayed would send that commit (or, cut short, the first one) to the worker after every restart.
   */
  async handedOff(): Promise<void> {
    await rm(this.#file, { force: true }).catch(() => undefined);
  }

  /**
   * Runs `load` with the marker naming `commit` on disk. Undefined, without running it, when the
   * marker cannot be written: a load that could crash unseen must not run here.
   */
  async around<T>(commit: string, load: () => Promise<T>): Promise<T | undefined> {
    // Read before the first write replaces what a previous process left.
    await this.#read();
    // Written aside, then renamed over: a kill mid-write leaves the old marker or none, never a truncated one.
    const temp = `${this.#file}.tmp`;
    const written = await writeFile(temp, `${JSON.stringify({ commit, startedAt: new Date().toISOString() })}\n`)
      .then(() => rename(temp, this.#file))
      .then(
        () => true,
        () => false,
      );
    if (!written) return undefined;
    try {
      return await load();
    } finally {
      await rm(this.#file, { force: true }).catch(() => undefined);
    }
  }

  #read(): Promise<Set<string>> {
    this.#crashed ??= readFile(this.#file, "utf8").then(
      (text) => new Set([parsed(text)].filter((c): c is string => c !== undefined)),
      () => new Set<string>(),
    );
    return this.#crashed;
  }
}

const UNKNOWN = "";

function parsed(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { commit?: unknown } | null;
    // Any marker at all means a load here died; one that names no commit leaves it unknown.
    return typeof value?.commit === "string" ? value.commit : UNKNOWN;
  } catch {
    // A marker cut short (written by a version that truncated before writing, or a damaged disk): the commit is unknown.
    return UNKNOWN;
  }
}
