import { useEffect, useState } from "preact/hooks";
import { age, clusterOf, duration, resourceHref, shortSha, valueText } from "./format.js";
import { taskDefinitionRefOf } from "../../src/aws/arn.js";
import type { LiveState } from "./live.js";
import type { Change, DependencyGraph, ResourceDetail } from "./types.js";

/**
 * One resource: its diff, drift, history, error and runtime. Fetched again whenever the live
 * stream says this resource's status changed, so a page left open follows the controller.
 */
export function ResourcePage({ resourceKey, live, graph }: { resourceKey: string; live: LiveState; graph: DependencyGraph | undefined }) {
  const status = live.resources.get(resourceKey);
  const [detail, setDetail] = useState<ResourceDetail | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    fetch(`/api/resources/${encodeURIComponent(resourceKey)}`, { signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        setDetail((await response.json()) as ResourceDetail);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      });
    return () => controller.abort();
    // The status object is replaced by each delta that touches this resource: refetch then.
  }, [resourceKey, status]);

  if (status === undefined) {
    return (
      <main>
        <p>
          {live.meta === undefined ? "Connecting…" : `No resource ${resourceKey}.`} <a href="#/">Back to the overview</a>
        </p>
      </main>
    );
  }
  const s = detail?.status ?? status;
  return (
    <main class="resource" data-key={resourceKey}>
      <p>
        <a href="#/">← overview</a>
      </p>
      <h1>
        {s.kind} <span class="mono">{clusterOf(s.key) ? `${clusterOf(s.key)}/${s.name}` : s.name}</span>
      </h1>
      <p class="badges">
        <span class={`badge state-${status.sync}`} data-field="sync">
          {status.sync}
        </span>
        <span class={`badge state-${status.health}`} data-field="health">
          {status.health}
        </span>
        {status.message ? <span class="message">{status.message}</span> : null}
      </p>
      {error ? <p class="error">Could not load the details: {error}</p> : null}
      <LastError detail={detail} />
      <section class="diff">
        <h2>Live vs git</h2>
        {detail?.plan === undefined ? (
          <p>Not planned yet.</p>
        ) : detail.plan.type === "noop" ? (
          <p>In sync with git (checked {age(detail.plan.at)} ago).</p>
        ) : s.lastAppliedAt !== undefined && detail.plan.at <= s.lastAppliedAt ? (
          <>
            <p>Applied {age(s.lastAppliedAt)} ago; the next look compares again. What was applied:</p>
            <pre class="plan applied">{detail.plan.text}</pre>
          </>
        ) : (
          <>
            <ChangeTable changes={detail.plan.changes} label="diff" />
            <pre class="plan">{detail.plan.text}</pre>
          </>
        )}
      </section>
      <Drift detail={detail} />
      <History detail={detail} />
      <Runtime detail={detail} />
      <Dependencies resourceKey={resourceKey} graph={graph} />
    </main>
  );
}

function ChangeTable({ changes, label }: { changes: readonly Change[]; label: string }) {
  if (changes.length === 0) return null;
  return (
    <table class="changes" data-table={label}>
      <thead>
        <tr>
          <th>Field</th>
          <th>Live</th>
          <th>Git (desired)</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} data-path={c.path}>
            <td class="mono">{c.field ?? c.path}</td>
            <td class="mono live">{valueText(c.live)}</td>
            <td class="mono desired">{valueText(c.desired)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LastError({ detail }: { detail: ResourceDetail | undefined }) {
  const lastError = detail?.status.lastError;
  if (lastError === undefined && detail?.plan?.type !== "blocked") return null;
  return (
    <section class="last-error">
      <h2>Last error</h2>
      {lastError ? (
        <p>
          <span class="mono">{lastError.code}</span> {lastError.message} <span class="age">({age(lastError.at)} ago)</span>
        </p>
      ) : null}
      {detail?.plan?.hint ? <p class="hint">To fix: {detail.plan.hint}</p> : null}
    </section>
  );
}

function Drift({ detail }: { detail: ResourceDetail | undefined }) {
  const episodes = detail?.episodes ?? [];
  if (detail?.drift === undefined && episodes.length === 0) return null;
  return (
    <section class="drift">
      <h2>Drift</h2>
      {detail?.drift ? (
        <div class="open-drift">
          <p>
            Open since {detail.drift.firstSeen} ({detail.drift.action}
            {detail.drift.healSuspended ? ", self-heal suspended" : ""})
          </p>
          <ChangeTable changes={detail.drift.fields} label="drift" />
        </div>
      ) : null}
      {episodes.length > 0 ? (
        <table class="episodes">
          <thead>
            <tr>
              <th>Episode</th>
              <th>Opened</th>
              <th>Fields / error</th>
              <th>Ended</th>
            </tr>
          </thead>
          <tbody>
            {episodes.map((e) => (
              <tr key={`${e.type}-${e.firstSeen}`}>
                <td>{e.type}</td>
                <td>{e.firstSeen}</td>
                <td class="mono">{e.error ? `${e.error.code}: ${e.error.message}` : e.fields.map((f) => f.field ?? f.path).join(", ")}</td>
                <td>{e.endedAt ? `${e.resolution ?? "resolved"} at ${e.endedAt}` : `open (${e.action ?? "reported"})`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function History({ detail }: { detail: ResourceDetail | undefined }) {
  const status = detail?.status;
  if (status === undefined) return null;
  const history = status.history;
  return (
    <section class="history">
      <h2>Deploy history</h2>
      {status.lastAppliedRevision ? (
        <p data-field="last-applied">
          Last applied from <span class="mono">{shortSha(status.lastAppliedRevision)}</span>
          {status.lastAppliedAt ? ` at ${status.lastAppliedAt} (${age(status.lastAppliedAt)} ago)` : ""}
        </p>
      ) : (
        <p>Nothing applied yet.</p>
      )}
      {history !== undefined && history.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Commit</th>
              <th>Revision</th>
              <th>Outcome</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Trigger</th>
            </tr>
          </thead>
          <tbody>
            {history.map((d) => (
              <tr key={`${d.startedAt}-${d.revision}`}>
                <td class="mono">{shortSha(d.commit)}</td>
                <td class="mono">{d.revision}</td>
                <td class={`outcome-${d.outcome}`}>{d.reason ? `${d.outcome}: ${d.reason}` : d.outcome}</td>
                <td>{d.startedAt}</td>
                <td>{duration(d.startedAt, d.finishedAt)}</td>
                <td>{d.trigger}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {status.hooks !== undefined && status.hooks.length > 0 ? (
        <ul class="hooks">
          {status.hooks.map((h, i) => (
            <li key={i}>
              hook {h.name ?? "?"} {h.phase ?? ""}: {h.outcome ?? "running"} {h.message ?? ""}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function Runtime({ detail }: { detail: ResourceDetail | undefined }) {
  if (detail?.service !== undefined) {
    const s = detail.service;
    return (
      <section class="runtime">
        <h2>Tasks</h2>
        <p data-field="counts">
          running {s.running ?? "?"} · desired {s.desired ?? "?"} · pending {s.pending ?? "?"}
        </p>
        <ul>
          {s.deployments.map((d, i) => (
            <li key={d.id ?? i}>
              {d.status ?? "?"} {d.rolloutState ?? ""} {d.rolloutStateReason ? `(${d.rolloutStateReason})` : ""}{" "}
              <span class="mono">{d.taskDefinition === undefined ? "" : taskDefinitionRefOf(d.taskDefinition)}</span>
            </li>
          ))}
        </ul>
      </section>
    );
  }
  if (detail?.rule !== undefined) {
    const r = detail.rule;
    return (
      <section class="runtime">
        <h2>Rule</h2>
        <p>
          {r.state ?? "?"} · {r.scheduleExpression ?? ""} · {r.targets} target{r.targets === 1 ? "" : "s"}
        </p>
        {r.invocations?.length ? (
          <ul>
            {r.invocations.map((inv, i) => (
              <li key={i}>
                {inv.at ?? ""} {inv.state ?? ""}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    );
  }
  return null;
}

function Dependencies({ resourceKey, graph }: { resourceKey: string; graph: DependencyGraph | undefined }) {
  const uses = graph?.edges.filter((e) => e.to === resourceKey).map((e) => e.from) ?? [];
  const usedBy = graph?.edges.filter((e) => e.from === resourceKey).map((e) => e.to) ?? [];
  if (uses.length === 0 && usedBy.length === 0) return null;
  return (
    <section class="dependencies">
      <h2>Dependencies</h2>
      {uses.length > 0 ? <p>Runs {links(uses)}</p> : null}
      {usedBy.length > 0 ? <p>Used by {links(usedBy)}</p> : null}
    </section>
  );
}

function links(keys: readonly string[]) {
  return keys.map((k, i) => (
    <span key={k}>
      {i > 0 ? ", " : ""}
      <a href={resourceHref(k)}>{k}</a>
    </span>
  ));
}
