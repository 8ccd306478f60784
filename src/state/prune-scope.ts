import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InventoryScope } from "../engine/prune/types.js";

const EMPTY: InventoryScope = { clusters: [], buses: [], families: [] };

/**
 * Where prune looks beyond the current commit: the clusters, buses and families earlier commits
 * named. Kept in the work folder, written before any delete, so a restart (even after SIGKILL
 * mid-prune) still finds a family whose manifest left git before it was deregistered.
 */
export class PruneScopeStore {
  readonly #file: string;

  constructor(workDir: string) {
    this.#file = path.join(workDir, "prune-scope.json");
  }

  async load(): Promise<InventoryScope> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.#file, "utf8"));
      return isScope(parsed) ? parsed : EMPTY;
    } catch {
      // Missing or torn (written by rename, so only by hand): start from the current commit.
      return EMPTY;
    }
  }

  async save(scope: InventoryScope): Promise<void> {
    await mkdir(path.dirname(this.#file), { recursive: true });
    const temporary = `${this.#file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(scope));
    await rename(temporary, this.#file);
  }
}

function isScope(value: unknown): value is InventoryScope {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return ["clusters", "buses", "families"].every(
    (k) => Array.isArray(record[k]) && (record[k] as unknown[]).every((v) => typeof v === "string"),
  );
}
