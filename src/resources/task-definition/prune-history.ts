import { familyOfArn, revisionOfRef } from "../../aws/arn.js";

/** `…:task-definition/web:7` → 7; 0 without a revision, so it sorts first. */
export function revisionOfArn(arn: string): number {
  return revisionOfRef(arn) ?? 0;
}

/**
 * Revisions past the history limit: what runs counts against the limit and always stays; the
 * newest of the rest fill the slots left. Oldest first.
 */
export function beyondHistory<R extends { arn: string }>(revisions: readonly R[], inUse: ReadonlySet<string>, keep: number): R[] {
  const free = revisions.filter((r) => !inUse.has(revisionId(r.arn)));
  const slots = Math.max(0, keep - (revisions.length - free.length));
  return free.slice(0, Math.max(0, free.length - slots));
}

/** `family:revision`, the same for an ARN and for a pin. */
export function revisionId(arn: string): string {
  return `${familyOfArn(arn) ?? arn}:${revisionOfArn(arn)}`;
}
