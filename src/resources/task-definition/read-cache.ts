import type { LiveTaskDefinition } from "./normalize.js";

/** A family's latest ACTIVE revision as last read or registered, and when it is read again. */
export type LatestRevision = { arn: string | undefined; expiresAt: number };

/**
 * What the task definition read keeps between waves, in the reader's cache (one per process, so
 * every wave and every concurrent caller shares it): revisions by ARN (their content never
 * changes), each family's latest revision while it is fresh, and the describes in flight, so a
 * revision several waves ask for at once is described once.
 */
export type TaskDefinitionCache = {
  /** Revisions by ARN. */
  readonly revisions: Map<string, LiveTaskDefinition>;
  /** Each family's latest ACTIVE revision. */
  readonly latest: Map<string, LatestRevision>;
  /** DescribeTaskDefinition calls in flight, by ARN. */
  readonly describing: Map<string, Promise<LiveTaskDefinition | undefined>>;
  /** Caches a revision by ARN and learns the account from it. */
  remember(revision: LiveTaskDefinition): void;
  /** When an entry read now is read again. */
  expiry(): number;
};
