/**
 * The least of `runs` runs of `run`, in ms of this process's CPU time (user and system): the least disturbed by the
 * other work on the machine. Wall time is not: at a load average of 16 (the suite beside other jobs on 2 cores) a
 * linear report took 29.8 times the time of one eight times smaller, the other processes' share of the cores
 * counted in. CPU time counts only this process's work (its garbage collection threads too).
 */
export function fastest(run: () => unknown, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/**
 * How many times the time of `baseline` `ours` takes, each the least of three runs. The baseline counts as at least
 * `floorMs`, so that a baseline too quick to time well (or a machine too quiet) cannot make a fair time look slow.
 */
export function slowdown(ours: () => unknown, baseline: () => unknown, floorMs = 50): number {
  return fastest(ours) / Math.max(fastest(baseline), floorMs);
}
