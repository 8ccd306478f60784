import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { ResourceKey } from "../manifests/types.js";
import { writeFileAtomic } from "../state/atomic-file.js";
import { isErrnoCode } from "../state/atomic-file.js";

/** `all`: every resource, except the ones resumed one by one; `keys`: suspended one by one. */
export type SuspendState = { all: boolean; keys: ResourceKey[]; except: ResourceKey[] };

/** What `suspend` / `resume` apply to: everything, or the keys given. */
export type SuspendTarget = "all" | readonly ResourceKey[];

export const EMPTY: SuspendState = { all: false, keys: [], except: [] };

/**
 * Which resources an operator suspended (Flux's `suspend`), persisted in the workdir so a restart
 * keeps them. A change is on disk before it is acknowledged: a suspend that answered 200 holds
 * after a crash. An unreadable file suspends everything: during an incident a pause that silently
 * lapsed would write exactly when someone asked it not to.
 */
export class SuspendStore {
  readonly #path: string;
  readonly #log: Logger;
  #state: SuspendState = EMPTY;
  #saving: Promise<void> = Promise.resolve();

  constructor(path: string, log: Logger) {
    this.#path = path;
    this.#log = log;
  }

  async restore(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if (!isErrnoCode(error, "ENOENT")) this.#unreadable(error);
      return;
    }
    const state = parseSuspendState(text);
    if (state === undefined) return this.#unreadable(new Error("not a suspend record"));
    this.#state = state;
    if (state.all || state.keys.length > 0)
      this.#log.warn({ all: state.all, keys: state.keys, except: state.except }, "suspended resources restored");
  }

  get state(): SuspendState {
    return structuredClone(this.#state);
  }

  isSuspended(key: ResourceKey): boolean {
    const s = this.#state;
    return s.all ? !s.except.includes(key) : s.keys.includes(key);
  }

  async suspend(target: SuspendTarget): Promise<SuspendState> {
    return this.#change(suspended(this.#state, target));
  }

  async resume(target: SuspendTarget): Promise<SuspendState> {
    return this.#change(resumed(this.#state, target));
  }

  async #change(next: SuspendState): Promise<SuspendState> {
    this.#state = next;
    // One write at a time, in order: the file ends with the latest state.
    const save = this.#saving.then(() => writeFileAtomic(this.#path, JSON.stringify(next) + "\n"));
    this.#saving = save.catch(() => undefined);
    await save;
    return this.state;
  }

  #unreadable(error: unknown): void {
    this.#state = { all: true, keys: [], except: [] };
    this.#log.error(
      { path: this.#path, err: error instanceof Error ? error.message : String(error) },
      "suspend record unreadable: suspending every resource until `ecs-gitops resume` (or delete the file)",
    );
  }
}

export function suspended(state: SuspendState, target: SuspendTarget): SuspendState {
  if (target === "all") return { all: true, keys: [], except: [] };
  const keys = [...new Set([...state.keys, ...target])].sort();
  return { all: state.all, keys: state.all ? [] : keys, except: state.except.filter((k) => !target.includes(k)) };
}

export function resumed(state: SuspendState, target: SuspendTarget): SuspendState {
  if (target === "all") return EMPTY;
  const except = state.all ? [...new Set([...state.except, ...target])].sort() : [];
  return { all: state.all, keys: state.keys.filter((k) => !target.includes(k)), except };
}

export function parseSuspendState(text: string): SuspendState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { all, keys, except } = value as Record<string, unknown>;
  const isKeys = (list: unknown): list is string[] => Array.isArray(list) && list.every((k) => typeof k === "string");
  if (typeof all !== "boolean" || !isKeys(keys) || !isKeys(except)) return undefined;
  return { all, keys, except };
}
