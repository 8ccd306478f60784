/** Where a path of a parsed document stands in its file: positions for problems, found only when one is asked for. */
import { createHash } from "node:crypto";
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { Node } from "yaml";
import type { JsonPath } from "../json.js";
import type { SourcePosition } from "./types.js";

// Made outside parseManifestText so that a document's `locate` does not hold that function's
// scope (the text, its line map) alive.
export const keptText = (text: string) => () => text;
export const locateIn =
  (locator: ReturnType<typeof lazyLocator>, doc: number, start: SourcePosition) =>
  (path: JsonPath): SourcePosition =>
    locator(doc, path) ?? start;

/**
 * Where a path of document `doc` stands, undefined when the text cannot be had again. The YAML
 * tree is not kept (about 11 KB per manifest: 26 MiB at 2,300 manifests), nor, when the text can
 * be read again, the text and its line map (2.5 MiB at 2,300 manifests): positions are only
 * needed to report problems. The first one asked for parses the file once more and indexes every
 * document's paths, so locating stays linear however many problems there are.
 */
export function lazyLocator(
  file: string,
  source: () => string | undefined,
  maxDepth: number,
): (doc: number, path: JsonPath) => SourcePosition | undefined {
  let indexed: { lines: LineCounter; offsets: (OffsetIndex | undefined)[] } | null | undefined;
  return (doc, path) => {
    if (indexed === undefined) {
      const text = source();
      const lines = new LineCounter();
      indexed =
        text === undefined
          ? null
          : {
              lines,
              offsets: parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true }).map((d) =>
                d.contents ? indexOffsets(d.contents, maxDepth) : undefined,
              ),
            };
    }
    const offset = indexed?.offsets[doc]?.locate(path);
    if (indexed === null || indexed === undefined || offset === undefined) return undefined;
    const { line, col } = indexed.lines.linePos(offset);
    return { file, line, column: col };
  };
}

/** `readAgain`, when it gives the text that was parsed (a file changed since falls back to its document's start). */
export function sameText(text: string, readAgain: () => string | undefined): () => string | undefined {
  const length = text.length;
  const digest = createHash("sha1").update(text).digest("base64");
  return () => {
    const again = readAgain();
    return again !== undefined && again.length === length && createHash("sha1").update(again).digest("base64") === digest
      ? again
      : undefined;
  };
}

type OffsetIndex = { locate(path: JsonPath): number };
const pathKey = (path: readonly (string | number)[]) => JSON.stringify(path.map(String));

/**
 * Where every path of a document starts: a scalar value at itself, a collection value at its key
 * (not the next line). `locate` falls back to the deepest existing ancestor, for "missing field".
 */
function indexOffsets(root: Node, maxDepth: number): OffsetIndex {
  const offsets = new Map<string, number>();
  const stack: { node: Node; path: string[]; offset: number }[] = [{ node: root, path: [], offset: root.range?.[0] ?? 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path, offset } = item;
    offsets.set(pathKey(path), offset);
    if (path.length >= maxDepth) continue;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key) || !isNode(pair.value)) continue;
        const keyAt = pair.key.range?.[0] ?? offset;
        stack.push({
          node: pair.value,
          path: [...path, String(pair.key.value)],
          offset: isScalar(pair.value) ? (pair.value.range?.[0] ?? keyAt) : keyAt,
        });
      }
    } else if (isSeq(node)) {
      node.items.forEach((child, i) => {
        if (isNode(child)) stack.push({ node: child, path: [...path, String(i)], offset: child.range?.[0] ?? offset });
      });
    }
  }
  return {
    locate(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const found = offsets.get(pathKey(path.slice(0, depth)));
        if (found !== undefined) return found;
      }
      return root.range?.[0] ?? 0;
    },
  };
}

export function isNode(value: unknown): value is Node {
  return isScalar(value) || isCollection(value) || isAlias(value);
}
