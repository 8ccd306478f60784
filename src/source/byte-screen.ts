import type { SourceFile } from "../manifests/load.js";

/** Bounds on what the calling thread parses; a change past them is loaded in full (in the worker). */
export type ParseBounds = {
  maxChangedBytes: number;
  maxFileBytes: number;
  /** Flow brackets, aliases and tags in one file: what makes a small YAML file slow to parse. Any `&` (an anchor?) is past the bounds. */
  maxMarks: number;
  /** Document separators in one file. */
  maxDocuments: number;
  /**
   * Block nesting in one file, estimated per line from its indentation steps and its compact `- `,
   * `? ` and `: ` indicators; a tab in a node's indentation or after an indicator is past it. The
   * yaml library recurses once or more per level: a file nested thousands deep overflows the
   * stack, and on the controller's thread a second such overflow can abort the whole process
   * inside V8, where no `catch` helps.
   */
  maxDepth: number;
  /** Documents in all the files to parse: what the manifests, problems and their checks hold in memory at once. */
  maxLoadDocuments: number;
  /**
   * Problems the load may keep before it stops and hands the commit to the worker: each file's are
   * capped (src/manifests/problem-cap.ts), but many small broken files still add up.
   */
  maxLoadProblems: number;
};

/** A file's share of the screen: past a per-file bound, or the documents it adds to the load's count. */
export type Screened = { over: true } | { over: false; documents: number };

/**
 * A byte scan of one file, far cheaper than a parse: its size, the characters that nest flow
 * collections, share nodes or tag them, its `---` / `...` lines and its block nesting.
 */
export function screenFile(bytes: Uint8Array, bounds: ParseBounds): Screened {
  if (bytes.byteLength > bounds.maxFileBytes) return { over: true };
  const { marks, anchors, separators } = countMarks(bytes);
  // Every alias to an anchor expands it again: an anchor's cost is its size times its aliases.
  if (marks > bounds.maxMarks || anchors > 0 || separators > bounds.maxDocuments) return { over: true };
  if (blockDepth(bytes, bounds.maxDepth) > bounds.maxDepth) return { over: true };
  // A file without separators is one document; a separator may begin or end one.
  return { over: false, documents: separators + 1 };
}

const MARKS = new Set([..."[]{}*!"].map((c) => c.charCodeAt(0)));
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const DOT = 0x2e;
const AMPERSAND = 0x26;
const QUESTION = 0x3f;
const COLON = 0x3a;

function countMarks(bytes: Uint8Array): { marks: number; anchors: number; separators: number } {
  let marks = 0;
  let anchors = 0;
  let separators = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (MARKS.has(c)) marks++;
    else if (c === AMPERSAND) anchors++;
    // A document starts after `---` or ends at `...`, each at the start of a line.
    else if ((c === DASH || c === DOT) && (i === 0 || bytes[i - 1] === NEWLINE) && bytes[i + 1] === c && bytes[i + 2] === c) separators++;
  }
  return { marks, anchors, separators };
}

const lineEnds = (c: number | undefined) => c === undefined || c === NEWLINE || c === RETURN;

/**
 * The deepest block nesting of the file, or a number past `limit` as soon as it is past it. Every
 * node on a line starts at a column: the line's indentation, then one more after each compact
 * indicator (`- - x` opens two levels). A node nests in the open ones left of its column, so the
 * open columns form a stack. Overestimates (a block scalar's indented lines count as nodes): such a
 * file only goes to the worker.
 */
function blockDepth(bytes: Uint8Array, limit: number): number {
  const open: number[] = [];
  let deepest = 0;
  let i = 0;
  while (i < bytes.length) {
    let column = 0;
    while (bytes[i] === SPACE) {
      i++;
      column++;
    }
    if (tabBeforeNode(bytes, i)) return limit + 1;
    if (!lineEnds(bytes[i]) && bytes[i] !== HASH) {
      while (open.length > 0 && open[open.length - 1]! >= column) open.pop();
      open.push(column);
      for (;;) {
        const c = bytes[i];
        if ((c !== DASH && c !== QUESTION && c !== COLON) || (bytes[i + 1] !== SPACE && bytes[i + 1] !== TAB && !lineEnds(bytes[i + 1])))
          break;
        do {
          i++;
          column++;
        } while (bytes[i] === SPACE);
        if (tabBeforeNode(bytes, i)) return limit + 1;
        if (lineEnds(bytes[i]) || bytes[i] === HASH) break;
        open.push(column);
      }
      deepest = Math.max(deepest, open.length);
      if (deepest > limit) return deepest;
    }
    while (i < bytes.length && bytes[i] !== NEWLINE) i++;
    i++;
  }
  return deepest;
}

/**
 * A tab where a node's indentation or an indicator's separation goes (`\tx: 1`, `-\t-\tx`). The
 * yaml library still nests `-<TAB>` as `- ` and raises errors for each tab on top (~2,000 in 4
 * KiB); this count does not follow tabs, so such a file goes to the worker. A line of blanks and
 * tabs, or of a comment, holds no node.
 */
function tabBeforeNode(bytes: Uint8Array, i: number): boolean {
  if (bytes[i] !== TAB) return false;
  while (bytes[i] === TAB || bytes[i] === SPACE) i++;
  return !lineEnds(bytes[i]) && bytes[i] !== HASH;
}

/**
 * Whether `files` may be parsed on the calling thread. Yields to the event loop between files when
 * `sliceUsed` says a slice is used up: 4 MiB take tens of ms to scan.
 */
export async function withinBounds(
  files: readonly { source: SourceFile }[],
  bounds: ParseBounds,
  sliceUsed: () => boolean,
  nextTurn: () => Promise<void>,
): Promise<boolean> {
  let bytes = 0;
  let documents = 0;
  for (const { source } of files) {
    bytes += source.bytes.byteLength;
    if (bytes > bounds.maxChangedBytes) return false;
    const screened = screenFile(source.bytes, bounds);
    if (screened.over) return false;
    documents += screened.documents;
    if (documents > bounds.maxLoadDocuments) return false;
    if (sliceUsed()) await nextTurn();
  }
  return true;
}
