import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "../../..");
/** The one module allowed to write a resource's status (docs/records.md#status-as-a-projection). */
const PROJECTION = "src/state/status-projection.ts";
const PER_RESOURCE_WRITES = new Set(["update", "remove"]);

/** Every call of StatusStore.update / remove in `files`, as "file:line", found through the type checker (any alias or wrapper name). */
function statusWrites(files: readonly string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  const program = ts.createProgram(
    files.map((f) => path.join(ROOT, f)),
    { ...config?.options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(path.join(ROOT, file));
    if (source === undefined) throw new Error(`${file} was not compiled`);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        PER_RESOURCE_WRITES.has(node.expression.name.text)
      ) {
        const receiver = checker.getTypeAtLocation(node.expression.expression);
        const names = [receiver, ...(receiver.isUnion() ? receiver.types : [])].map((t) => (t.getSymbol() ?? t.aliasSymbol)?.getName());
        if (names.includes("StatusStore")) found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function sourceFiles(): string[] {
  return ts.sys
    .readDirectory(path.join(ROOT, "src"), [".ts"])
    .map((f) => path.relative(ROOT, f).split(path.sep).join("/"))
    .filter((f) => !f.endsWith(".d.ts"));
}

describe("a resource's status has one writer: the projection of its record", () => {
  const files = sourceFiles();
  const writes = statusWrites(files);

  it("reads the real tree", () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain(PROJECTION);
  });

  it("only the projection calls StatusStore.update or remove", () => {
    expect(writes.filter((w) => !w.startsWith(`${PROJECTION}:`))).toEqual([]);
    expect(writes.length).toBeGreaterThan(0);
  });
});
