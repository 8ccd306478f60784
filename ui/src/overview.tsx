import { memo } from "preact/compat";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { age, clusterOf, resourceHref, shortSha } from "./format.js";
import type { LiveState } from "./live.js";
import type { ManifestError, ResourceStatus } from "./types.js";

type Filter = { kind: string; cluster: string; state: string; name: string };

const SYNC_STATES = ["Synced", "OutOfSync", "Suspended", "Orphaned", "Pinned", "Unknown"];
const HEALTH_STATES = ["Healthy", "Progressing", "Degraded", "Missing", "Unknown"];

export function Overview({ live }: { live: LiveState }) {
  const [filter, setFilter] = useState<Filter>({ kind: "", cluster: "", state: "", name: "" });
  const all = useMemo(() => [...live.resources.values()], [live.resources]);
  const kinds = useMemo(() => distinct(all.map((r) => r.kind)), [all]);
  const clusters = useMemo(() => distinct(all.map((r) => clusterOf(r.key)).filter((c) => c !== "")), [all]);
  const counts = useMemo(() => countStates(all), [all]);
  const name = filter.name.toLowerCase();
  const shown = all.filter(
    (r) =>
      (filter.kind === "" || r.kind === filter.kind) &&
      (filter.cluster === "" || clusterOf(r.key) === filter.cluster) &&
      (filter.state === "" || r.sync === filter.state || r.health === filter.state) &&
      (name === "" || r.name.toLowerCase().includes(name)),
  );
  const set = (patch: Partial<Filter>) => setFilter({ ...filter, ...patch });
  return (
    <main>
      <Commits live={live} />
      <ManifestErrors errors={live.meta?.manifestErrors ?? []} />
      <section class="counts" aria-label="counts per state">
        {(["sync", "health"] as const).map((axis) =>
          (axis === "sync" ? SYNC_STATES : HEALTH_STATES).map((state) => {
            const n = counts[axis].get(state) ?? 0;
            if (n === 0 && !["Synced", "OutOfSync", "Healthy"].includes(state)) return null;
            return (
              <button
                type="button"
                key={`${axis}-${state}`}
                class={`count state-${state}${filter.state === state ? " active" : ""}`}
                data-count={`${axis}-${state}`}
                onClick={() => set({ state: filter.state === state ? "" : state })}
              >
                <span class="n">{n}</span> {state}
              </button>
            );
          }),
        )}
      </section>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="kind" value={filter.kind} onChange={(e) => set({ kind: e.currentTarget.value })}>
          <option value="">all kinds</option>
          {kinds.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <select aria-label="cluster" value={filter.cluster} onChange={(e) => set({ cluster: e.currentTarget.value })}>
          <option value="">all clusters</option>
          {clusters.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <select aria-label="state" value={filter.state} onChange={(e) => set({ state: e.currentTarget.value })}>
          <option value="">all states</option>
          {[...SYNC_STATES, ...HEALTH_STATES.filter((h) => h !== "Unknown")].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input
          aria-label="name"
          type="search"
          placeholder="name"
          value={filter.name}
          onInput={(e) => set({ name: e.currentTarget.value })}
        />
        <span class="shown">
          {shown.length} of {all.length}
        </span>
      </form>
      <table class="resources">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Name</th>
            <th>Cluster</th>
            <th>Sync</th>
            <th>Health</th>
            <th>Revision</th>
            <th>Last deploy</th>
            <th>Age</th>
            <th>Message</th>
          </tr>
        </thead>
        <WindowedRows rows={shown} />
      </table>
    </main>
  );
}

/** Fixed by the stylesheet (one line per row), so a row's position is its index times this. */
const ROW_PX = 26;
/** Rows rendered beyond the screen on each side, so fast scrolling seldom shows a gap. */
const OVERSCAN_ROWS = 30;

/**
 * Only the rows on and near the screen are in the DOM, between two spacer rows of the height of
 * the rest: 2,300 resources cost what 100 do, at first paint and at every delta. The name
 * filter, not the browser's find, is the way to a resource far down the list.
 */
function WindowedRows({ rows }: { rows: readonly ResourceStatus[] }) {
  const body = useRef<HTMLTableSectionElement>(null);
  const [range, setRange] = useState({ start: 0, end: 60 });
  useEffect(() => {
    const update = () => {
      const top = (body.current?.getBoundingClientRect().top ?? 0) + scrollY;
      const first = Math.floor((scrollY - top) / ROW_PX);
      const start = Math.max(0, first - OVERSCAN_ROWS);
      const end = Math.max(0, first + Math.ceil(innerHeight / ROW_PX) + OVERSCAN_ROWS);
      setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
    };
    update();
    addEventListener("scroll", update, { passive: true });
    addEventListener("resize", update);
    return () => {
      removeEventListener("scroll", update);
      removeEventListener("resize", update);
    };
  }, []);
  const start = Math.min(range.start, rows.length);
  const end = Math.min(range.end, rows.length);
  return (
    <tbody ref={body}>
      {start > 0 ? <tr class="spacer" aria-hidden="true" style={{ height: `${start * ROW_PX}px` }} /> : null}
      {rows.slice(start, end).map((r) => (
        <Row key={r.key} resource={r} />
      ))}
      {end < rows.length ? <tr class="spacer" aria-hidden="true" style={{ height: `${(rows.length - end) * ROW_PX}px` }} /> : null}
    </tbody>
  );
}

/** One row; memoized on the resource object, which a delta replaces only when it changed. */
const Row = memo(function Row({ resource: r }: { resource: ResourceStatus }) {
  const last = r.history?.[0];
  const outcome = last?.outcome ?? (r.lastAppliedAt === undefined ? "" : "applied");
  return (
    <tr data-key={r.key}>
      <td>{r.kind}</td>
      <td>
        <a href={resourceHref(r.key)}>{r.name}</a>
      </td>
      <td>{clusterOf(r.key)}</td>
      <td class={`state-${r.sync}`} data-col="sync">
        {r.sync}
      </td>
      <td class={`state-${r.health}`} data-col="health">
        {r.health}
      </td>
      <td class="mono">{shortSha(last?.commit ?? r.lastAppliedRevision)}</td>
      <td class={`outcome-${outcome}`}>{outcome}</td>
      <td>{age(last?.startedAt ?? r.lastAppliedAt)}</td>
      <td class="message" title={r.lastError?.message ?? r.message}>
        {r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : (r.message ?? "")}
      </td>
    </tr>
  );
});

function Commits({ live }: { live: LiveState }) {
  const meta = live.meta;
  if (meta === undefined) return <p class="loading">Connecting to the controller…</p>;
  return (
    <section class="commits">
      <div>
        commit <span class="mono">{shortSha(meta.commit) || "none yet"}</span>
      </div>
      <div>
        last good <span class="mono">{shortSha(meta.lastGoodCommit ?? meta.commit) || "none yet"}</span>
      </div>
      <div>
        source <span class="mono">{`${meta.source.url} @ ${meta.source.branch}`}</span>
      </div>
      {meta.source.lastError ? <div class="error">fetch failed: {meta.source.lastError.message}</div> : null}
      <div>{meta.ready ? "ready" : "first sync running"}</div>
    </section>
  );
}

function ManifestErrors({ errors }: { errors: readonly ManifestError[] }) {
  if (errors.length === 0) return null;
  return (
    <section class="manifest-errors">
      <h2>Manifest errors ({errors.length})</h2>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            <span class="mono">
              {e.file}:{e.line}:{e.column}
            </span>{" "}
            {e.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function countStates(resources: readonly ResourceStatus[]): { sync: Map<string, number>; health: Map<string, number> } {
  const counts = { sync: new Map<string, number>(), health: new Map<string, number>() };
  for (const r of resources) {
    counts.sync.set(r.sync, (counts.sync.get(r.sync) ?? 0) + 1);
    counts.health.set(r.health, (counts.health.get(r.health) ?? 0) + 1);
  }
  return counts;
}
