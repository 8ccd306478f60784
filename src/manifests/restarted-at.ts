import { ANNOTATION } from "./annotations.js";

// xref: ECS TagResource — tag values are up to 256 letters, digits, spaces and _ . : / = + - @.
const TAG_VALUE = /^[\p{L}\p{N}\s_.:/=+\-@]{1,256}$/u;

/**
 * What is wrong with an `ecs-gitops/restartedAt` annotation, or undefined. Only a service can be
 * restarted; the value becomes the `ecs-gitops:restarted-at` tag, so it must be a valid tag value.
 */
export function restartedAtProblem(kind: string | undefined, value: string): string | undefined {
  if (kind !== undefined && kind !== "Service")
    return `annotation "${ANNOTATION.restartedAt}" restarts services only: on a ${kind} it would do nothing. Remove it`;
  if (!TAG_VALUE.test(value))
    return (
      `annotation "${ANNOTATION.restartedAt}" must be a timestamp such as "2025-06-01T10:00:00Z" ` +
      `(up to 256 letters, digits, spaces and _ . : / = + - @)`
    );
  return undefined;
}
