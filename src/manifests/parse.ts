import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { Document, Node } from "yaml";
import type { JsonPath, JsonValue } from "../json.js";
import type { Problem, ProblemCode, SourcePosition } from "./types.js";

/** Larger manifest files are refused: a task definition is at most 64 KiB on AWS. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Far above any real manifest, far below what an alias bomb expands to. */
export const MAX_ALIAS_COUNT = 100;
// `__proto__` alone can rewire an object's prototype when a key is assigned; `constructor` or
// `valueOf` are ordinary keys (valid tag keys too): user-keyed maps have no prototype, lookups are own-only.
const UNSAFE_KEYS = new Set(["__proto__"]);

export type ParsedDocument = {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: JsonValue;
  position: SourcePosition;
  locate: (path: JsonPath) => SourcePosition;
};

export type ParseResult = { documents: ParsedDocument[]; problems: Problem[] };

/** Decode raw file bytes, refusing what cannot be a manifest (too large, binary, not UTF-8). */
export function decodeManifestBytes(file: string, bytes: Uint8Array): { text: string } | { problem: Problem } {
  const at = { file, line: 1, column: 1 };
  if (bytes.byteLength > MAX_FILE_BYTES) {
    return { problem: problem(at, "FileTooLarge", `file is ${bytes.byteLength} bytes; manifests are capped at ${MAX_FILE_BYTES} bytes (split it into several files)`) };
  }
  if (bytes.includes(0)) {
    return { problem: problem(at, "BinaryFile", "file contains NUL bytes: it looks binary, not YAML (move it out of the manifests path or rename it)") };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { problem: problem(at, "NotUtf8", "file is not valid UTF-8 (save it as UTF-8)") };
  }
}

/** Parse every YAML document of one file into plain JSON values, with positions. Pure. */
export function parseManifestText(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const documents: ParsedDocument[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true }) as Document.Parsed[];
  } catch (error) {
    return { documents, problems: [problem({ file, line: 1, column: 1 }, "YamlSyntax", `cannot parse YAML: ${String(error)}`)] };
  }
  if (!Array.isArray(docs)) docs = [docs];
  docs.forEach((doc, index) => {
    // Warnings too: an unknown tag such as CloudFormation's `!Ref x` would otherwise silently
    // become the plain string "x" and reach AWS.
    const errors = [...doc.errors, ...doc.warnings];
    if (errors.length > 0) {
      for (const error of errors) {
        // The yaml library reports runaway nesting as a stack overflow; say what it means.
        const message = /call stack/i.test(error.message) ? "YAML nesting is too deep to be a manifest" : (error.message.split("\n")[0] ?? "YAML syntax error");
        problems.push(problem(at(error.pos[0]), "YamlSyntax", message));
      }
      return;
    }
    // An empty document (a trailing `---`, or `---` followed by comments only): the yaml library
    // gives it a zero-length null scalar, not null contents. An explicit `~` is not empty.
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1])) return;
    const unsafe = findUnsafeKey(contents);
    if (unsafe) {
      problems.push(problem(at(unsafe.offset), "UnsafeKey", `key "${unsafe.key}" is not allowed in manifests (it would replace an object’s prototype): rename or remove it`));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = String(error instanceof Error ? error.message : error);
      // Only the expansion guard is an alias limit; an alias of an undefined anchor is a syntax error.
      const code: ProblemCode = /excessive alias count/i.test(message) ? "AliasLimit" : "YamlSyntax";
      problems.push(problem(at(contents.range?.[0] ?? 0), code, code === "AliasLimit" ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT}): refusing to expand` : message));
      return;
    }
    const start = contents.range?.[0] ?? 0;
    documents.push({
      file,
      index,
      value: toJsonValue(value),
      position: at(start),
      // The YAML tree is not kept (about 11 KB per manifest: 26 MiB at 2,300 manifests): a
      // position is only needed to report a problem, so the file is parsed again then.
      locate: (path) => {
        const again = reparse(text, index);
        return at(again === undefined ? start : offsetOf(again, path));
      },
    });
  });
  return { documents, problems };
}

/** The `index`th document's root node of a text that parsed cleanly before. */
function reparse(text: string, index: number): Node | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const doc = (Array.isArray(docs) ? docs : [docs])[index];
  return doc?.contents ?? undefined;
}

/** Offset of the node at `path`, or of its deepest existing ancestor (for "missing field" errors). */
function offsetOf(root: Node, path: JsonPath): number {
  let node: Node = root;
  let offset = root.range?.[0] ?? 0;
  for (const segment of path) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair && pair.value && typeof pair.value === "object" && "range" in pair.value) {
        next = pair.value as Node;
        // For a key whose value is a block collection, point at the key, not the next line.
        offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        if (isScalar(next)) offset = next.range?.[0] ?? offset;
      }
    } else if (isSeq(node) && /^\d+$/.test(String(segment))) {
      const item = node.items[Number(segment)];
      if (item && typeof item === "object" && "range" in item) {
        next = item as Node;
        offset = next.range?.[0] ?? offset;
      }
    }
    if (!next) break;
    node = next;
  }
  return offset;
}

function findUnsafeKey(node: unknown): { key: string; offset: number } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && UNSAFE_KEYS.has(String(pair.key.value))) {
        return { key: String(pair.key.value), offset: pair.key.range?.[0] ?? 0 };
      }
      const inner = findUnsafeKey(pair.value);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = findUnsafeKey(item);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** YAML can produce Dates, Maps, bigints and undefined; manifests are plain JSON. */
function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v);
    return out;
  }
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return String(value);
}

export function problem(at: SourcePosition, code: ProblemCode, message: string, extra: { key?: string; rule?: string } = {}): Problem {
  return { ...at, severity: "error", code, message, ...extra };
}
