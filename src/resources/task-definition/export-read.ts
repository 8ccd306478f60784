import { parseTaskDefinitionArn } from "../../aws/arn.js";
import { describeTaskDefinition } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import type { ExportedResource, KindExport } from "../kind-export.js";
import { exportTaskDefinition } from "./export.js";

type ExportedRevision = { arn: string; revision: number; response: JsonObject };

/**
 * The families the other exported resources run, one revision each, in the folder of the
 * family's first user (its own folder when that file name is taken or nothing else is exported).
 */
export const taskDefinitionExport: KindExport = {
  async read({ aws, warn, exportsOfOthers }) {
    const users = await exportsOfOthers();
    const revisions = await readRevisions(
      aws,
      users.flatMap((u) => u.taskDefinitionArns),
      warn,
    );
    const folderOf = new Map<string, string>(); // family → folder of its first user
    for (const user of users)
      for (const arn of user.taskDefinitionArns) {
        const family = parseTaskDefinitionArn(arn)?.family;
        if (family !== undefined && !folderOf.has(family)) folderOf.set(family, user.folder);
      }
    const taken = new Set(users.map((u) => u.file));
    const out: ExportedResource[] = [];
    for (const [family, td] of [...revisions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const folder = folderOf.get(family) ?? family;
      const plain = `${folder}/task-definition.yaml`;
      const file = taken.has(plain) ? `${folder}/task-definition-${family}.yaml` : plain;
      taken.add(file);
      out.push({
        key: `TaskDefinition/${family}`,
        file,
        source: `Exported from ${td.arn}`,
        taskDefinitionArns: [],
        folder,
        revision: { family, revision: td.revision },
        manifest: () => exportTaskDefinition(td.response),
      });
    }
    return out;
  },
};

/**
 * One revision per family: the highest one a resource runs (a family-only ARN means the latest).
 * Other revisions of the family stay pinned as `family:revision` (referenceFor).
 */
async function readRevisions(
  aws: AwsClients,
  arns: readonly string[],
  warn: (text: string) => void,
): Promise<Map<string, ExportedRevision>> {
  const highest = new Map<string, number | undefined>();
  for (const arn of arns) {
    const parsed = parseTaskDefinitionArn(arn);
    if (!parsed) continue;
    const known = highest.get(parsed.family);
    highest.set(parsed.family, parsed.revision === undefined ? known : Math.max(known ?? 0, parsed.revision));
  }
  const out = new Map<string, ExportedRevision>();
  for (const [family, revision] of highest) {
    const response = await describeTaskDefinition(aws, revision === undefined ? family : `${family}:${revision}`);
    const td = response?.["taskDefinition"];
    if (!response || !isJsonObject(td) || typeof td["taskDefinitionArn"] !== "string" || typeof td["revision"] !== "number") {
      warn(
        `task definition ${family}${revision === undefined ? "" : `:${revision}`} ` +
          `cannot be described: not exported (its users keep a pinned reference)`,
      );
      continue;
    }
    out.set(family, { arn: td["taskDefinitionArn"], revision: td["revision"], response });
  }
  return out;
}
