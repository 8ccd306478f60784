import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { MAX_FILE_BYTES, fileTooLarge, problem } from "./parse.js";
import type { Problem } from "./types.js";

/** The default bound on the bytes of one commit's manifests (flag --max-commit-bytes). */
export const DEFAULT_MAX_COMMIT_BYTES = 50 * 1024 * 1024;

export type ReadOutcome = { bytes: Uint8Array } | { problem: Problem };

/**
 * Read a file only if it is a regular file within the per-file cap, checked on the open handle
 * before a byte is read: a symlink is not followed (O_NOFOLLOW: it could leave the repository
 * or point at /dev/zero), a FIFO cannot block the open (O_NONBLOCK), and a device, socket or
 * folder is refused. `undefined` when nothing exists at `full`. `file` is the name reported;
 * `admit` may refuse the size too (what is left of a commit's budget), again before reading.
 */
export async function readRegularFile(
  full: string,
  file: string,
  admit?: (sizeBytes: number) => Problem | undefined,
): Promise<ReadOutcome | undefined> {
  const at = { file, line: 1, column: 1 };
  let handle: FileHandle;
  try {
    handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ELOOP" || code === "EMLINK") return { problem: symlinkProblem(file) };
    return { problem: problem(at, "NotRegularFile", `cannot open the file (${code ?? String(error)}): check its permissions`) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const what = info.isFIFO() ? "a named pipe" : info.isSocket() ? "a socket" : info.isDirectory() ? "a folder" : "a device";
      return {
        problem: problem(
          at,
          "NotRegularFile",
          `${file} is ${what}, not a regular file: only regular files are read (remove it or rename it so it does not end in .yaml/.yml)`,
        ),
      };
    }
    if (info.size > MAX_FILE_BYTES) return { problem: fileTooLarge(file, info.size) };
    const refused = admit?.(info.size);
    if (refused) return { problem: refused };
    // At most the size seen now: a file that grows while it is read cannot grow the buffer.
    const bytes = Buffer.alloc(info.size);
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return { bytes: bytes.subarray(0, offset) };
  } finally {
    await handle.close();
  }
}

export function symlinkProblem(file: string): Problem {
  return problem(
    { file, line: 1, column: 1 },
    "NotRegularFile",
    `${file} is a symbolic link: links are never followed (they can leave the repository); commit the file or folder itself`,
  );
}
