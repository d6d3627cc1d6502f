/** The fastest of `runs` runs of `run`, in ms: the least disturbed by the other work on the machine. */
export function fastest(run: () => unknown, runs = 2): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * How many times the time of `baseline` `ours` takes, each the fastest of two runs. The baseline counts as at least
 * `floorMs`, so that a baseline too quick to time well (or a machine too quiet) cannot make a fair time look slow.
 */
export function slowdown(ours: () => unknown, baseline: () => unknown, floorMs = 50): number {
  return fastest(ours) / Math.max(fastest(baseline), floorMs);
}
