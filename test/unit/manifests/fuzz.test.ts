import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config.js";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import type { SourceFile } from "../../../src/manifests/load.js";
import type { Problem } from "../../../src/manifests/types.js";
import { finishDesiredState } from "../../../src/resources/load.js";
import { cpuClock } from "../../support/cpu-clock.js";

/**
 * Seeded mutations of examples/: whatever the bytes, loading and validating never throws, every
 * problem is located, and each case stays within 2 s and 256 MiB. Deterministic: a failure names
 * its seed, and the same seed gives the same input on every run.
 */

const EXAMPLES = path.resolve(import.meta.dirname, "../../../examples");
const CASES_PER_MUTATION = 26;
const CASE_BUDGET_MS = 2_000;
const MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

type Rng = { int(max: number): number; pick<T>(items: readonly T[]): T };

/** mulberry32: small, fast, and the same sequence on every platform. */
function rng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (max) => Math.floor(next() * max), pick: (items) => items[Math.floor(next() * items.length)]! };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
type Mutation = (text: string, r: Rng) => string | Uint8Array;

const lines = (text: string) => text.split("\n");
const valueLines = (text: string) =>
  lines(text).flatMap((line, i) => (/:\s+\S/.test(line) && !line.trimStart().startsWith("#") ? [i] : []));
const keyLines = (text: string) => lines(text).flatMap((line, i) => (/^\s*(- )?[A-Za-z_][\w-]*:/.test(line) ? [i] : []));
const replaceLine = (text: string, index: number, change: (line: string) => string) =>
  lines(text)
    .map((line, i) => (i === index ? change(line) : line))
    .join("\n");
const insertAt = (text: string, at: number, piece: string) => text.slice(0, at) + piece + text.slice(at);

const CONFUSED_VALUES = [
  "[]",
  "{}",
  "~",
  "null",
  "true",
  "no",
  "1e999",
  "-.inf",
  ".nan",
  "0x1F",
  "0o17",
  "12_000",
  '"',
  "'",
  "[1, [2, {a: b}]]",
  "{a: [1, 2], b: {c: d}}",
  "|\n  literal",
  ">-\n  folded",
  "2001-12-14t21:59:43.10-05:00",
  '"\\u0000"',
  "!!binary aGVsbG8=",
  "99999999999999999999999",
  "-0",
  "'1' ",
  "? complex\n: key",
];
const TAGS = [
  "!Ref x",
  "!GetAtt a.b",
  "!!str 1",
  "!!int nope",
  "!!map {a: 1}",
  "!!seq [1]",
  "!!set {a, b}",
  "!!omap [a: 1]",
  "!!python/object:os.system ls",
  "!<tag:yaml.org,2002:int> 3",
  "!!float ~",
  "!custom {a: 1}",
  "!!timestamp 2001-12-14",
  "!!null ''",
  "!!bool maybe",
];
const ANCHORS = [
  (key: string) => `${key}: &a {k: v}\nother: *a\n`,
  (key: string) => `${key}: &r [*r]\n`,
  (key: string) => `${key}: &m {x: 1}\nmerged:\n  <<: *m\n  y: 2\n`,
  (key: string) => `${key}: *undefined\n`,
  (key: string) =>
    `${key}: &l0 [x, x]\nl1: &l1 [*l0, *l0, *l0, *l0]\nl2: &l2 [*l1, *l1, ` +
    `*l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2]\nl4: [*l3, *l3, *l3, *l3, *l3]\n`,
  (key: string) => `${key}: &s\n  inner:\n    <<: *s\n`,
  (key: string) => `&top ${key}: *top\n`,
  (key: string) => `${key}: {<<: [*a, *b]}\n`,
];
const UNICODE = [
  "é",
  "名前",
  "🚀",
  "\u200b",
  "\u202e",
  "\u0085",
  "\u2028",
  "\ufeff",
  "：",
  "\ud83d",
  "Ω≈ç√",
  "\u0000",
  "\t",
  "\r",
  "\u00a0",
];
const EVIL_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "valueOf",
  "hasOwnProperty",
  "toString",
  "__defineGetter__",
  "",
  "'quoted key'",
  "[flow, key]",
  "? complex",
];

const MUTATIONS: Record<string, Mutation> = {
  "byte flips": (text, r) => {
    const bytes = enc.encode(text);
    for (let n = 1 + r.int(8); n > 0; n--) bytes[r.int(bytes.length)] = r.int(256);
    return bytes;
  },
  truncation: (text, r) => enc.encode(text).slice(0, r.int(text.length)),
  "type confusion": (text, r) => {
    const candidates = valueLines(text);
    let out = text;
    for (let n = 1 + r.int(3); n > 0 && candidates.length > 0; n--)
      out = replaceLine(out, r.pick(candidates), (line) => line.replace(/:\s+.*$/, `: ${r.pick(CONFUSED_VALUES)}`));
    return out;
  },
  "anchors, aliases and merge keys": (text, r) => {
    const at = r.pick(keyLines(text));
    const line = lines(text)[at] ?? "";
    const indent = /^\s*/.exec(line)?.[0] ?? "";
    const block = r
      .pick(ANCHORS)(`fuzz${r.int(100)}`)
      .replace(/^(?=.)/gm, indent);
    return lines(text)
      .flatMap((l, i) => (i === at ? [block.trimEnd(), l] : [l]))
      .join("\n");
  },
  tags: (text, r) => {
    const candidates = valueLines(text);
    return candidates.length === 0
      ? `${r.pick(TAGS)}\n${text}`
      : replaceLine(text, r.pick(candidates), (line) => line.replace(/:\s+(.*)$/, `: ${r.pick(TAGS)}`));
  },
  "duplicate keys": (text, r) => {
    const at = r.pick(keyLines(text));
    return lines(text)
      .flatMap((l, i) => (i === at ? [l, l.replace(/^(\s*)- /, "$1  ")] : [l]))
      .join("\n");
  },
  "deep nesting": (text, r) => {
    const depth = r.pick([40, 100, 255, 257, 300, 1_000, 5_000]);
    const flow = r.int(2) === 0 ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`;
    const block = Array.from({ length: Math.min(depth, 400) }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n") + " 1";
    return r.int(3) === 0
      ? `${text}\n${block}\n`
      : replaceLine(text, r.pick(valueLines(text)), (line) => line.replace(/:\s+.*$/, `: ${flow}`));
  },
  "many documents": (text, r) => {
    const count = r.pick([50, 200, 500]);
    const variant = r.int(3);
    if (variant === 0) return Array.from({ length: count }, () => text).join("\n---\n");
    if (variant === 1) return `${text}\n${"---\n".repeat(count * 4)}`;
    return `${text}\n${Array.from({ length: count }, (_, i) => `---\nkind: K${i}\nmetadata: {name: n${i}}\n`).join("")}`;
  },
  unicode: (text, r) => {
    let out = text;
    for (let n = 1 + r.int(4); n > 0; n--) out = insertAt(out, r.int(out.length + 1), r.pick(UNICODE));
    return out;
  },
  "hostile keys": (text, r) => {
    const at = r.pick(keyLines(text));
    return replaceLine(text, at, (line) => line.replace(/^(\s*(?:- )?)[A-Za-z_][\w-]*:/, `$1${r.pick(EVIL_KEYS)}:`));
  },
  "indentation and structure": (text, r) => {
    const all = lines(text);
    const at = r.int(all.length);
    const change = r.int(4);
    if (change === 0) return replaceLine(text, at, (line) => `\t${line}`);
    if (change === 1) return replaceLine(text, at, (line) => line.replace(/^ {2}/, ""));
    if (change === 2) return [...all.slice(0, at), ...all.slice(at + 1)].join("\n");
    return [...all.slice(at), ...all.slice(0, at)].join("\n");
  },
  combined: (text, r) => {
    let out: string | Uint8Array = text;
    const kinds = Object.keys(MUTATIONS).filter((k) => k !== "combined");
    for (let n = 2 + r.int(2); n > 0; n--) out = MUTATIONS[r.pick(kinds)]!(typeof out === "string" ? out : dec.decode(out), r);
    return out;
  },
};

type Case = { name: string; seed: number; mutation: string };
const CASES: Case[] = Object.keys(MUTATIONS).flatMap((mutation, m) =>
  Array.from({ length: CASES_PER_MUTATION }, (_, i) => ({ name: `${mutation} #${i}`, seed: 1_000 * (m + 1) + i, mutation })),
);

function readExamples(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      // examples/.ecs-gitopsignore keeps the environments example out of this plain repository.
      if (entry.name === "environments") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) out.push({ file: path.relative(EXAMPLES, full), bytes: readFileSync(full) });
    }
  };
  walk(EXAMPLES);
  return out;
}

function expectLocated(problems: readonly Problem[], files: readonly string[], label: string): void {
  for (const p of problems) {
    expect(files.includes(p.file) || p.file === ".", `${label}: problem in unknown file ${p.file}`).toBe(true);
    expect(Number.isInteger(p.line) && p.line >= 1, `${label}: line of ${JSON.stringify(p)}`).toBe(true);
    expect(Number.isInteger(p.column) && p.column >= 1, `${label}: column of ${JSON.stringify(p)}`).toBe(true);
    expect(typeof p.message === "string" && p.message.length > 0, `${label}: message`).toBe(true);
  }
}

describe("fuzzing the load and validate path with mutated examples", () => {
  let examples: SourceFile[] = [];
  let baselineRss = 0;
  beforeAll(() => {
    examples = readExamples();
    baselineRss = process.memoryUsage().rss;
  });

  it("has the examples and at least 300 cases", () => {
    expect(examples.map((f) => f.file)).toContain("ecs-gitops.yaml");
    expect(examples.length).toBeGreaterThanOrEqual(6);
    expect(CASES.length).toBeGreaterThanOrEqual(300);
  });

  it.each(CASES)("$name", ({ name, seed, mutation }) => {
    const r = rng(seed);
    const target = examples[r.int(examples.length)]!;
    const mutated = MUTATIONS[mutation]!(dec.decode(target.bytes), r);
    const bytes = typeof mutated === "string" ? enc.encode(mutated) : mutated;
    const label = `${name} (seed ${seed}, ${target.file})`;
    const cpuMs = cpuClock();
    if (target.file === "ecs-gitops.yaml") {
      const { problems } = parseConfigText(target.file, bytes);
      expectLocated(problems, [target.file], label);
    } else {
      const files = examples.filter((f) => f.file !== "ecs-gitops.yaml").map((f) => (f === target ? { file: f.file, bytes } : f));
      const options = { defaultCluster: "shop" };
      const result = finishDesiredState(loadManifestFiles(files, options), options);
      expectLocated(
        result.problems,
        files.map((f) => f.file),
        label,
      );
      // The files that were not touched still load: a bad file costs only itself.
      const untouched = files.filter((f) => f !== files.find((g) => g.file === target.file)).map((f) => f.file);
      const broken = new Set(result.problems.map((p) => p.file));
      for (const file of untouched)
        if (!broken.has(file))
          expect(
            result.manifests.some((m) => m.file === file),
            `${label}: ${file} still loads`,
          ).toBe(true);
    }
    expect(cpuMs(), `${label}: CPU time`).toBeLessThan(CASE_BUDGET_MS);
    expect(process.memoryUsage().rss - baselineRss, `${label}: memory`).toBeLessThan(MEMORY_BUDGET_BYTES);
  });
});
