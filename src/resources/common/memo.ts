/**
 * A pure function of one object, computed once per object: a resync plans every resource again
 * with the same manifest objects (until the next commit) and the same cached revisions (immutable
 * under their ARN), so normalizing and hashing them again would spend the CPU of a no-op resync on
 * answers it already has (docs/scale.md#where-a-no-op-resync-spends-its-time). Held weakly: a
 * manifest or revision the process no longer keeps takes its answer with it. The argument and
 * the answer must not be mutated afterwards, which holds for manifests, cached revisions and
 * normalized values (read only).
 */
export function onePerObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
