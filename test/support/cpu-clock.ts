/**
 * CPU time (user + system) this process has spent since the clock started, in ms. The bounds on
 * the loader's work ("a hostile file costs at most N ms") are bounds on work: wall time would also
 * count the time the process waited for a core on a loaded machine. Vitest runs each test file in
 * its own process (pool "forks"), so no other file's work is counted.
 */
export function cpuClock(): () => number {
  const started = process.cpuUsage();
  return () => {
    const { user, system } = process.cpuUsage(started);
    return (user + system) / 1_000;
  };
}
