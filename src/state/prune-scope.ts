import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InventoryScope } from "../engine/prune/types.js";

/** The file's format: 2 keeps each pruned kind's places under its kind (1 had three fixed fields). */
const FORMAT = 2;

/** A scope of the first format, as the file held it: `{ clusters, buses, families }`. */
export type FormerScope = Readonly<Record<string, readonly string[]>>;

/**
 * Where prune looks beyond the current commit: per pruned kind, the places earlier commits named.
 * Kept in the work folder, written before any delete, so a restart (even after SIGKILL mid-prune)
 * still finds a family whose manifest left git before it was deregistered. A file of the first
 * format is read through `fromFormer` and written in the new one by the next save.
 */
export class PruneScopeStore {
  readonly #file: string;
  readonly #fromFormer: (former: FormerScope) => InventoryScope;

  constructor(workDir: string, fromFormer: (former: FormerScope) => InventoryScope) {
    this.#file = path.join(workDir, "prune-scope.json");
    this.#fromFormer = fromFormer;
  }

  async load(): Promise<InventoryScope> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.#file, "utf8"));
    } catch {
      // Missing or torn (written by rename, so only by hand): start from the current commit.
      return {};
    }
    if (!isObject(parsed)) return {};
    if (parsed["format"] === FORMAT) return isPlacesByName(parsed["places"]) ? (parsed["places"] as InventoryScope) : {};
    return isPlacesByName(parsed) ? this.#fromFormer(parsed) : {};
  }

  async save(scope: InventoryScope): Promise<void> {
    await mkdir(path.dirname(this.#file), { recursive: true });
    const temporary = `${this.#file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify({ format: FORMAT, places: scope }));
    await rename(temporary, this.#file);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object whose every field is a list of strings (the places of a kind, or a field of the first format). */
function isPlacesByName(value: unknown): value is FormerScope {
  return isObject(value) && Object.values(value).every((v) => Array.isArray(v) && v.every((x) => typeof x === "string"));
}
