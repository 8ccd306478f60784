import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { GraphView } from "./graph.js";
import { useLiveStatus } from "./live.js";
import { Overview } from "./overview.js";
import { ResourcePage } from "./resource-page.js";
import type { DependencyGraph } from "./types.js";
import "./style.css";

/** Hash routes keep one page, so one EventSource, for the whole visit: #/, #/resource/<key>, #/graph. */
function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function useGraph(commit: string | undefined): DependencyGraph | undefined {
  const [graph, setGraph] = useState<DependencyGraph | undefined>(undefined);
  useEffect(() => {
    fetch("/api/graph")
      .then(async (r) => (r.ok ? setGraph((await r.json()) as DependencyGraph) : undefined))
      .catch(() => undefined);
  }, [commit]);
  return graph;
}

function App() {
  const live = useLiveStatus();
  const hash = useHash();
  const graph = useGraph(live.meta?.commit);
  const resource = /^#\/resource\/(.+)$/.exec(hash);
  return (
    <>
      <header>
        <a class="brand" href="#/">
          ecs-gitops
        </a>
        <nav>
          <a href="#/">Overview</a> <a href="#/graph">Dependencies</a>
        </nav>
        <span class={live.connected ? "live on" : "live off"}>{live.connected ? "live" : "reconnecting…"}</span>
      </header>
      {resource ? (
        <ResourcePage resourceKey={decodeURIComponent(resource[1]!)} live={live} graph={graph} />
      ) : hash === "#/graph" ? (
        <GraphView graph={graph} live={live} />
      ) : (
        <Overview live={live} />
      )}
    </>
  );
}

render(<App />, document.getElementById("app")!);
