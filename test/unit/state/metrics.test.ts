import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics, setCurrentCommit } from "../../../src/state/metrics.js";

type Sample = { name: string; labels: Record<string, string>; value: number };
type Exposition = { help: Map<string, string>; type: Map<string, string>; samples: Sample[]; problems: string[] };

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (\\S+)(?: -?\\d+)?$`);
const HELP_OR_TYPE = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`);

/** A small checker for the Prometheus text format 0.0.4, line by line. */
function parseExposition(text: string): Exposition {
  const out: Exposition = { help: new Map(), type: new Map(), samples: [], problems: [] };
  if (!text.endsWith("\n")) out.problems.push("does not end with a newline");
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = HELP_OR_TYPE.exec(line);
      if (m === null) continue; // other comments are allowed
      const [, what, name, rest] = m;
      if (what === "HELP") out.help.set(name!, rest ?? "");
      else if (["counter", "gauge", "histogram", "summary", "untyped"].includes(rest ?? "")) out.type.set(name!, rest!);
      else out.problems.push(`bad TYPE: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) {
      out.problems.push(`not "name{labels} value": ${line}`);
      continue;
    }
    const value = m[3]!;
    // Prometheus parses values with Go's ParseFloat: Inf and NaN in any case (prom-client prints "Nan").
    if (!/^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|[+-]?inf|nan)$/i.test(value)) out.problems.push(`bad value: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    out.samples.push({ name: m[1]!, labels, value: Number(value.replace(/inf/i, "Infinity")) });
  }
  for (const sample of out.samples) {
    const family = familyOf(sample.name, out.type);
    if (!out.type.has(family)) out.problems.push(`no TYPE for ${sample.name}`);
    if (!out.help.has(family)) out.problems.push(`no HELP for ${sample.name}`);
  }
  return out;
}

function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ["histogram", "summary"].includes(types.get(base) ?? "")) return base;
  }
  return name;
}

function sampleOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return exposition.samples.find(
    (s) =>
      s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
      Object.keys(s.labels).length === Object.keys(labels).length,
  )?.value;
}

describe("parseExposition (the checker itself)", () => {
  it("flags a sample line without TYPE and HELP, and a malformed line", () => {
    const parsed = parseExposition("orphan_total 1\nbroken{label=unquoted} 2\n");
    expect(parsed.problems).toEqual([
      'not "name{labels} value": broken{label=unquoted} 2',
      "no TYPE for orphan_total",
      "no HELP for orphan_total",
    ]);
  });
});

describe("createMetrics", () => {
  it("exposes every controller metric as valid Prometheus text with HELP and TYPE", async () => {
    const metrics = createMetrics(new Registry());
    metrics.reconcileDuration.observe({ kind: "Service", result: "synced" }, 0.42);
    metrics.reconciles.inc({ kind: "Service", result: "synced" });
    metrics.reconciles.inc({ kind: "TaskDefinition", result: "retry" });
    metrics.awsCalls.inc({ operation: "ecs:DescribeServices", type: "read", outcome: "ok" }, 3);
    metrics.awsCalls.inc({ operation: "ecs:UpdateService", type: "write", outcome: "throttled" });
    metrics.gitFetches.inc({ result: "ok" });
    metrics.resources.set({ kind: "Service", sync: "OutOfSync", health: "Degraded" }, 2);
    setCurrentCommit(metrics, "c".repeat(40));
    metrics.sourceErrors.inc();
    metrics.manifestErrors.set(4);

    const parsed = parseExposition(await metrics.registry.metrics());
    expect(parsed.problems).toEqual([]);
    expect(parsed.type.get("ecs_gitops_reconcile_duration_seconds")).toBe("histogram");
    expect(parsed.type.get("ecs_gitops_reconciles_total")).toBe("counter");
    expect(parsed.type.get("ecs_gitops_aws_calls_total")).toBe("counter");
    expect(parsed.type.get("ecs_gitops_git_fetches_total")).toBe("counter");
    expect(parsed.type.get("ecs_gitops_resources")).toBe("gauge");
    expect(parsed.type.get("ecs_gitops_current_commit_info")).toBe("gauge");
    expect(parsed.type.get("ecs_gitops_source_errors_total")).toBe("counter");
    expect(parsed.type.get("ecs_gitops_manifest_errors")).toBe("gauge");
    expect(sampleOf(parsed, "ecs_gitops_reconcile_duration_seconds_count", { kind: "Service", result: "synced" })).toBe(1);
    expect(sampleOf(parsed, "ecs_gitops_reconcile_duration_seconds_bucket", { kind: "Service", result: "synced", le: "0.5" })).toBe(1);
    expect(sampleOf(parsed, "ecs_gitops_reconcile_duration_seconds_bucket", { kind: "Service", result: "synced", le: "0.25" })).toBe(0);
    expect(sampleOf(parsed, "ecs_gitops_aws_calls_total", { operation: "ecs:DescribeServices", type: "read", outcome: "ok" })).toBe(3);
    expect(sampleOf(parsed, "ecs_gitops_resources", { kind: "Service", sync: "OutOfSync", health: "Degraded" })).toBe(2);
    expect(sampleOf(parsed, "ecs_gitops_current_commit_info", { sha: "c".repeat(40) })).toBe(1);
    expect(sampleOf(parsed, "ecs_gitops_source_errors_total")).toBe(1);
    expect(sampleOf(parsed, "ecs_gitops_manifest_errors")).toBe(4);
    // Default process metrics come along.
    expect(parsed.type.get("process_cpu_user_seconds_total")).toBe("counter");
    expect(parsed.samples.some((s) => s.name.startsWith("nodejs_"))).toBe(true);
  });

  it("keeps only the current commit in the info metric", async () => {
    const metrics = createMetrics(new Registry(), { defaultMetrics: false });
    setCurrentCommit(metrics, "1".repeat(40));
    setCurrentCommit(metrics, "2".repeat(40));
    const parsed = parseExposition(await metrics.registry.metrics());
    expect(parsed.samples.filter((s) => s.name === "ecs_gitops_current_commit_info")).toEqual([
      { name: "ecs_gitops_current_commit_info", labels: { sha: "2".repeat(40) }, value: 1 },
    ]);
  });

  it("escapes label values so the text stays parseable", async () => {
    const metrics = createMetrics(new Registry(), { defaultMetrics: false });
    metrics.awsCalls.inc({ operation: 'odd "op"\\name\nline', type: "read", outcome: "error" });
    const parsed = parseExposition(await metrics.registry.metrics());
    expect(parsed.problems).toEqual([]);
    expect(parsed.samples.filter((s) => s.name === "ecs_gitops_aws_calls_total")).toHaveLength(1);
  });

  it("uses a fresh registry by default, so two controllers in one process do not collide", () => {
    const a = createMetrics(undefined, { defaultMetrics: false });
    const b = createMetrics(undefined, { defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
  });
});
