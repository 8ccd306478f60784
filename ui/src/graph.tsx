import { resourceHref } from "./format.js";
import type { LiveState } from "./live.js";
import type { DependencyGraph } from "./types.js";

/** Task definition → the services and rule targets that run it, with each one's state. */
export function GraphView({ graph, live }: { graph: DependencyGraph | undefined; live: LiveState }) {
  if (graph === undefined) return <main>Loading the graph…</main>;
  const byFamily = new Map<string, string[]>();
  for (const edge of graph.edges) byFamily.set(edge.from, [...(byFamily.get(edge.from) ?? []), edge.to]);
  return (
    <main class="graph">
      <h1>Dependencies</h1>
      <ul class="families">
        {[...byFamily.entries()].map(([family, users]) => (
          <li key={family}>
            <Node resourceKey={family} live={live} />
            <ul>
              {users.map((user) => (
                <li key={user}>
                  → <Node resourceKey={user} live={live} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </main>
  );
}

function Node({ resourceKey, live }: { resourceKey: string; live: LiveState }) {
  const status = live.resources.get(resourceKey);
  return (
    <span class="node">
      <a href={resourceHref(resourceKey)}>{resourceKey}</a>{" "}
      {status ? <span class={`badge state-${status.sync}`}>{status.sync}</span> : <span class="badge">not in git</span>}
      {status ? <span class={`badge state-${status.health}`}>{status.health}</span> : null}
    </span>
  );
}
