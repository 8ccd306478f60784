import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Write `text` to `path` atomically (temp file, fsync, rename, mode 0600): a crash leaves the old
 * content or the new one, never half of one.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(tmp, "w", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A state file as read back: absent, unreadable (permissions, a directory), or its parsed JSON (undefined: not JSON, e.g. truncated). */
export type ReadJson = { type: "missing" } | { type: "unreadable"; error: unknown } | { type: "read"; value: unknown };

/** Read a JSON state file; never throws. */
export async function readJsonFile(path: string): Promise<ReadJson> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT"
      ? { type: "missing" }
      : { type: "unreadable", error };
  }
  try {
    return { type: "read", value: JSON.parse(text) as unknown };
  } catch {
    return { type: "read", value: undefined };
  }
}

export function isErrnoCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
