import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import { finishDesiredState } from "../../../src/resources/load.js";

// Real-world shapes (test/fixtures/corpus/README.md says where each comes from and why AWS
// answers as it does). The first line of each file is AWS's verdict: `# aws: accepts`, or
// `# aws: rejects <rule or code>, …` naming every error validate must report, and no other.
const DIR = path.resolve(import.meta.dirname, "../../fixtures/corpus");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

type Verdict = { accepts: true } | { accepts: false; errors: string[] };

function verdictOf(text: string, file: string): Verdict {
  const header = /^# aws: (accepts|rejects (.+))$/m.exec(text.split("\n")[0] ?? "");
  if (!header) throw new Error(`${file}: the first line must be "# aws: accepts" or "# aws: rejects <rule>"`);
  return header[1] === "accepts"
    ? { accepts: true }
    : {
        accepts: false,
        errors: header[2]!
          .split(",")
          .map((s) => s.trim())
          .sort(),
      };
}

function validate(file: string, text: string) {
  return finishDesiredState(loadManifestFiles([{ file, bytes: new TextEncoder().encode(text) }]));
}

describe("the real-world corpus", () => {
  it("holds at least 30 shapes, both verdicts among them", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    const verdicts = files.map((f) => verdictOf(readFileSync(path.join(DIR, f), "utf8"), f));
    expect(verdicts.filter((v) => v.accepts).length).toBeGreaterThanOrEqual(15);
    expect(verdicts.filter((v) => !v.accepts).length).toBeGreaterThanOrEqual(10);
  });

  it("cites every fixture in its README", () => {
    const readme = readFileSync(path.join(DIR, "README.md"), "utf8");
    for (const file of files) expect(readme, file).toContain(file);
  });

  it.each(files)("gives AWS's verdict on %s", (file) => {
    const text = readFileSync(path.join(DIR, file), "utf8");
    const verdict = verdictOf(text, file);
    const result = validate(file, text);
    const errors = result.problems.filter((p) => p.severity === "error");
    if (verdict.accepts) {
      expect(errors).toEqual([]);
      const documents = text.split(/^kind: /m).length - 1;
      expect(result.manifests).toHaveLength(documents);
    } else {
      expect([...new Set(errors.map((p) => p.rule ?? p.code))].sort()).toEqual(verdict.errors);
      for (const p of errors) expect(p.file).toBe(file);
    }
  });
});
