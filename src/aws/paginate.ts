import { EcsGitopsError } from "../errors.js";
import { awsErrorName, classifyAwsError } from "./classify.js";

export type Page<T> = { items: readonly T[]; nextToken: string | undefined };

/**
 * Follows `nextToken` until it is absent or empty. A token that repeats would loop forever on a
 * misbehaving endpoint, so it stops the listing with an error instead.
 */
export async function collectPages<T>(where: string, fetchPage: (nextToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    items.push(...page.items);
    token = page.nextToken === "" ? undefined : page.nextToken;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new EcsGitopsError(
          "Internal",
          `${where}: AWS returned the same nextToken twice; stopped listing after ${items.length} items.`,
          { where },
        );
      }
      seen.add(token);
    }
  } while (token !== undefined);
  return items;
}

/** `items` split into consecutive batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Every page of one listing, an AWS error classified against `where` (what was listed, by which
 * call). `emptyOn` names the AWS error that means there is nothing to list (a missing cluster).
 */
export async function listAll<T>(
  where: string,
  fetchPage: (nextToken: string | undefined) => Promise<Page<T>>,
  emptyOn?: string,
): Promise<T[]> {
  try {
    return await collectPages(where, fetchPage);
  } catch (error) {
    if (emptyOn !== undefined && awsErrorName(error) === emptyOn) return [];
    throw classifyAwsError(error, where);
  }
}

/** One read of one resource, or undefined when AWS answers that it (or its container) does not exist. */
export async function readOrMissing<T>(where: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") return undefined;
    throw classifyAwsError(error, where);
  }
}
