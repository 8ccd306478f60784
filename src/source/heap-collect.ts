/**
 * A full collection of this thread's heap, when node runs with `--expose-gc` (the bin script and
 * the container image set it): called right before a commit-load worker starts, the one moment
 * the controller's peak RSS is set (the worker's heap on top of this one). The garbage of the
 * last resyncs would otherwise still hold pages V8 has not returned; a full collection of a
 * ~40 MiB heap takes tens of milliseconds, once per commit (docs/scale.md#memory).
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
