import { isAlias, isCollection, isPair, isScalar, Lexer, LineCounter, parseAllDocuments } from "yaml";
import type { Document, Node } from "yaml";
import type { JsonPath, JsonValue } from "../json.js";
import { isNode, keptText, lazyLocator, locateIn, sameText } from "./locate.js";
import { MAX_FILE_PROBLEMS, unlisted } from "./problem-cap.js";
import type { Problem, ProblemCode, SourcePosition } from "./types.js";

/** Larger manifest files are refused: a task definition is at most 64 KiB on AWS. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Far above any real manifest, far below what an alias bomb expands to. */
export const MAX_ALIAS_COUNT = 100;
// `__proto__` alone can rewire an object's prototype when a key is assigned; `constructor` or
// `valueOf` are ordinary keys (valid tag keys too): user-keyed maps have no prototype, lookups are own-only.
const UNSAFE_KEYS = new Set(["__proto__"]);
/** Far deeper than any manifest (a task definition nests about 8 levels); bounds every later walk. */
export const MAX_NESTING_DEPTH = 256;

export type ParsedDocument = {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  value: JsonValue;
  position: SourcePosition;
  locate: (path: JsonPath) => SourcePosition;
};

/**
 * YAML nodes (keys, values, list items) in one file: a large task definition has a few thousand.
 * The parsed tree costs about 1 KB per node, so 330,000 of them (a 660 KB flow list) took 280 MB
 * and seconds of CPU per file; a commit of such files made the loader fail as a whole.
 */
export const MAX_FILE_NODES = 100_000;
/** The same bound for a whole commit (2,300 manifests are about 500,000 nodes). */
export const MAX_COMMIT_NODES = 2_000_000;

export type ParseResult = { documents: ParsedDocument[]; problems: Problem[]; nodes: number };

/** Decode raw file bytes, refusing what cannot be a manifest (too large, binary, not UTF-8). */
export function decodeManifestBytes(file: string, bytes: Uint8Array): { text: string } | { problem: Problem } {
  const at = { file, line: 1, column: 1 };
  if (bytes.byteLength > MAX_FILE_BYTES) return { problem: fileTooLarge(file, bytes.byteLength) };
  if (bytes.includes(0)) {
    return {
      problem: problem(
        at,
        "BinaryFile",
        "file contains NUL bytes: it looks binary, not YAML (move it out of the manifests path or rename it)",
      ),
    };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { problem: problem(at, "NotUtf8", "file is not valid UTF-8 (save it as UTF-8)") };
  }
}

export function fileTooLarge(file: string, sizeBytes: number): Problem {
  return problem(
    { file, line: 1, column: 1 },
    "FileTooLarge",
    `file is ${sizeBytes} bytes; manifests are capped at ${MAX_FILE_BYTES} bytes (split it into several files)`,
  );
}

/**
 * Parse every YAML document of one file into plain JSON values, with positions. Pure.
 * `maxNodes` is what is left of the commit's node budget, when less than a file's. `readAgain`
 * gives the file's text once more (from disk): then the documents' `locate` does not keep the
 * text, and reads it again only when a position is asked for.
 */
export function parseManifestText(
  file: string,
  text: string,
  maxNodes = MAX_FILE_NODES,
  readAgain?: () => string | undefined,
): ParseResult {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const documents: ParsedDocument[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const tooMany = (offset: number) => problem(at(offset), "FileTooLarge", nodeLimitMessage(maxNodes));
  // A node takes at least two characters: only a longer text can hold too many, and it is
  // counted by the tokenizer first, which costs a fraction of building the tree.
  if (text.length > 2 * maxNodes) {
    const over = offsetPastNodes(text, maxNodes);
    if (over !== undefined) {
      lineCounter.addNewLine(0);
      for (let i = text.indexOf("\n"); i !== -1 && i < over; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
      return { documents, problems: [tooMany(over)], nodes: 0 };
    }
  }
  let nodes = 0;
  let unlistedCount = 0;
  const values: { index: number; value: JsonValue; position: SourcePosition }[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true }) as Document.Parsed[];
  } catch (error) {
    return { documents, problems: [problem({ file, line: 1, column: 1 }, "YamlSyntax", `cannot parse YAML: ${String(error)}`)], nodes };
  }
  if (!Array.isArray(docs)) docs = [docs];
  docs.forEach((doc, index) => {
    // Warnings too: an unknown tag such as CloudFormation's `!Ref x` would otherwise silently
    // become the plain string "x" and reach AWS.
    const errors = [...doc.errors, ...doc.warnings];
    if (errors.length > 0) {
      for (const error of errors) {
        // Past the cap only counted: no position is computed, no problem built (src/manifests/problem-cap.ts).
        if (problems.length >= MAX_FILE_PROBLEMS) {
          unlistedCount += 1;
          continue;
        }
        // The yaml library reports runaway nesting as a stack overflow; say what it means.
        const message = /call stack/i.test(error.message)
          ? "YAML nesting is too deep to be a manifest"
          : (error.message.split("\n")[0] ?? "YAML syntax error");
        problems.push(problem(at(error.pos[0]), "YamlSyntax", message));
      }
      return;
    }
    // An empty document (a trailing `---`, or `---` followed by comments only): the yaml library
    // gives it a zero-length null scalar, not null contents. An explicit `~` is not empty.
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1])) return;
    const refused = inspectTree(contents, maxNodes - nodes);
    // Only kept documents count towards the commit's budget: a refused tree is dropped.
    if ("count" in refused) {
      nodes += refused.count;
    } else {
      problems.push(refused.code === "FileTooLarge" ? tooMany(refused.offset) : problem(at(refused.offset), refused.code, refused.message));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = String(error instanceof Error ? error.message : error);
      // Only the expansion guard is an alias limit; an alias of an undefined anchor is a syntax error.
      const code: ProblemCode = /excessive alias count/i.test(message) ? "AliasLimit" : "YamlSyntax";
      problems.push(
        problem(
          at(contents.range?.[0] ?? 0),
          code,
          code === "AliasLimit" ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT}): refusing to expand` : message,
        ),
      );
      return;
    }
    values.push({ index, value: detached(toJsonValue(value)), position: at(contents.range?.[0] ?? 0) });
  });
  if (unlistedCount > 0) problems.push(unlisted(problems[0]!, unlistedCount));
  const locator = lazyLocator(file, readAgain === undefined ? keptText(text) : sameText(text, readAgain), MAX_NESTING_DEPTH);
  for (const { index, value, position } of values)
    documents.push({ file, index, value, position, locate: locateIn(locator, index, position) });
  return { documents, problems, nodes };
}

function nodeLimitMessage(maxNodes: number): string {
  if (maxNodes < MAX_FILE_NODES) {
    return (
      `the commit's manifests hold more than ${MAX_COMMIT_NODES} YAML nodes ` +
      `(keys, values, list items) in all: this file is past that bound and not ` +
      `loaded; shrink the largest files`
    );
  }
  return `more than ${MAX_FILE_NODES} YAML nodes (keys, values, list items) in this file: far more than any manifest; split or shrink it`;
}

/**
 * Where the tokenizer meets node `maxNodes + 1` (undefined if the text holds fewer). Counts
 * scalars, aliases and flow collections: a lower bound on the nodes the tree would have.
 */
function offsetPastNodes(text: string, maxNodes: number): number | undefined {
  let count = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const first = token.charCodeAt(0);
    // One-character control tokens mark structure and take no room in the source.
    if (token.length === 1 && first < 0x20 && first !== 0x0a && first !== 0x09) {
      if (first === 0x1f) count++;
    } else {
      if (NODE_TOKEN_START.has(token[0] ?? "")) count++;
      if (count > maxNodes) return offset;
      offset += token.length;
      continue;
    }
    if (count > maxNodes) return offset;
  }
  return undefined;
}
const NODE_TOKEN_START = new Set(["'", '"', "*", "[", "{", "|", ">"]);

type Refusal = { offset: number; code: ProblemCode; message: string };

/**
 * One iterative pass over a document's tree, before it is turned into plain values: refuses
 * keys that could reach Object.prototype, nesting deeper than any manifest, more than `maxNodes`
 * nodes, and an alias inside the node it names (`a: &a [*a]`), which would expand forever.
 */
function inspectTree(root: Node, maxNodes: number): Refusal | { count: number } {
  let count = 0;
  const anchors = new Map<string, Node>();
  const open = new Set<Node>();
  const stack: { node: unknown; depth: number; exit?: true }[] = [{ node: root, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if (item.exit) {
      open.delete(node as Node);
      continue;
    }
    const at = (isNode(node) ? node.range?.[0] : undefined) ?? 0;
    if (++count > maxNodes) return { offset: at, code: "FileTooLarge", message: "" };
    if (depth > MAX_NESTING_DEPTH)
      return {
        offset: at,
        code: "YamlSyntax",
        message: `YAML nesting is deeper than ${MAX_NESTING_DEPTH} levels: too deep to be a manifest`,
      };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target !== undefined && open.has(target)) {
        return {
          offset: at,
          code: "AliasLimit",
          message:
            `alias *${node.source} is inside the node its anchor &${node.source} names: ` +
            `it would repeat itself forever (a manifest is a tree; copy the values ` +
            `instead)`,
        };
      }
      continue;
    }
    if (!isCollection(node)) {
      if (isScalar(node) && node.anchor) anchors.set(node.anchor, node);
      continue;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    open.add(node);
    stack.push({ node, depth, exit: true });
    // Pushed in reverse so that they are visited in document order: an alias names the last
    // anchor of that name before it.
    const children: unknown[] = [];
    for (const child of node.items as unknown[]) {
      if (isPair(child)) {
        if (isScalar(child.key) && UNSAFE_KEYS.has(String(child.key.value))) {
          return {
            offset: child.key.range?.[0] ?? at,
            code: "UnsafeKey",
            message:
              `key "${String(child.key.value)}" is not allowed in manifests (it would ` +
              `replace an object’s prototype): rename or remove it`,
          };
        }
        children.push(child.key, child.value);
      } else {
        children.push(child);
      }
    }
    for (let i = children.length - 1; i >= 0; i--)
      if (children[i] !== null && children[i] !== undefined) stack.push({ node: children[i], depth: depth + 1 });
  }
  return { count };
}

/**
 * The same value rebuilt by JSON.parse: the yaml library's strings are slices of the file's text
 * (they would keep every file's text alive) and its objects grow key by key. At 2,300 manifests
 * the loaded values hold 1.8 MiB less heap this way
 * (docs/scale.md#the-commit-load-worker-at-its-peak).
 */
function detached(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
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
