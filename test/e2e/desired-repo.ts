import { cp, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DefaultNetwork } from "./moto.js";

const EXAMPLES = path.resolve(import.meta.dirname, "../../examples");

/**
 * A copy of examples/ in a temp dir with the placeholder subnet and security group ids replaced
 * by real ones of the test's moto account (moto checks that they exist).
 */
export async function copyExamples(network: DefaultNetwork): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-examples-"));
  await cp(EXAMPLES, dir, { recursive: true });
  for (const file of await listYaml(dir)) {
    const text = await readFile(file, "utf8");
    const replaced = text
      .replaceAll("subnet-0a1b2c3d4e5f60001", network.subnets[0]!)
      .replaceAll("subnet-0a1b2c3d4e5f60002", network.subnets[1] ?? network.subnets[0]!)
      .replaceAll(/sg-0a1b2c3d4e5f6000[12]/g, network.securityGroups[0]!);
    if (replaced !== text) await writeFile(file, replaced);
  }
  return dir;
}

export async function editFile(dir: string, file: string, edit: (text: string) => string): Promise<void> {
  const full = path.join(dir, file);
  const before = await readFile(full, "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`edit of ${file} changed nothing`);
  await writeFile(full, after);
}

async function listYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}
