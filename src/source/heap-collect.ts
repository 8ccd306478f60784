/**
 * A full collection of this thread's heap, when node runs with `--expose-gc` (the bin script and
 * the container image set it): called right before a commit-load worker starts, the one moment
 * the controller's peak RSS is set (the worker's heap on top of this one). The garbage of the
 * last resyncs would otherwise still hold pages V8 has not returned. One pause per commit: a full
 * collection of a ~40 MiB heap takes 74–192 ms on a loaded 2-core machine
 * (docs/scale.md#the-commit-load-measured-again).
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
