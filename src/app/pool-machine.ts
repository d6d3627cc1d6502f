import type * as Os from 'node:os';
import { loadBuiltin } from '../util/builtin.ts';

/** What `--jobs auto` looks at: the cores this process may use and the load average of the last minute. */
export interface Machine {
  readonly cores: number;
  readonly load: number;
}

export function thisMachine(): Machine {
  const os = loadBuiltin<typeof Os>('node:os');
  return { cores: os.availableParallelism(), load: os.loadavg()[0]! };
}

/**
 * Whether a second thread can win on this machine: two cores or more, and a load average under the core count.
 * Measured for 200 local servers on the project's 2-core machine (README, Performance; interleaved runs): --jobs 2
 * took 0.58 s against 0.65 s in one thread at a load of 0.5 to 0.9, 638 and 667 ms against 714 and 706 at 1.6 to
 * 1.9, the same at 2.5, and 1.23-1.36 s against 1.06-1.24 at 5 to 9: a loaded machine gives a process no more CPU
 * for its threads (Linux's autogroups share it by session), and the worker costs a quarter more CPU.
 */
export function coreToSpare(machine: Machine): boolean {
  return machine.cores >= 2 && machine.load < machine.cores;
}

/**
 * `--jobs`: how many threads audit a fleet's targets: 1, the main thread alone; N, the main thread and N - 1
 * worker threads; `auto` decides ({@link workerCount}).
 */
export type Jobs = number | 'auto';

/**
 * With `auto`, fewer targets than this are audited in the main thread alone: a worker costs its start and a
 * second load of the code (about 150 ms of CPU on the project's machine under load), which a few targets do not
 * win back.
 */
export const POOL_MIN_TARGETS = 40;

/** The most threads `--jobs` asks for. */
export const MAX_JOBS = 64;

/**
 * How many worker threads audit a fleet of `targets` targets (those audited one by one) beside the main thread.
 * `auto`: one, for 40 targets or more whose whole report is kept or written as a JSON file, on a machine of two
 * cores or more whose load average is under its core count ({@link coreToSpare}); else none. A streamed run (JSON Lines, the summary alone)
 * stays in one thread: it is bounded by its memory, and a second thread's heap raised 1,000 targets' peak from
 * 110-112 to 147-158 MiB (worker sending bytes, 2026-12-04; 167-173 before); a worker with a bounded heap (V8's
 * `resourceLimits`) peaked higher than one thread and cost half as much CPU again. Only where a core is idle: a
 * second thread costs a quarter more CPU for 200 local servers (its start, some 100 ms; a second warm-up of the
 * JIT), the same per target once warm (2.8 ms, /proc/thread-self/schedstat), and a loaded machine gives no more
 * CPU to a process for its threads (Linux's autogroups share it by session, here): on the project's 2-core
 * machine under a load of 5 to 9, --jobs 2 took 1.23-1.36 s against 1.06-1.24 in one thread (medians,
 * interleaved runs). The CLI asks it too before the targets are read, with `targets` Infinity: whether the run will
 * likely start a worker (src/cli/early-pool.ts): this module is light enough for the CLI's entry.
 */
export function workerCount(jobs: Jobs | undefined, targets: number, streamed: boolean, machine: () => Machine = thisMachine): number {
  if (jobs === undefined || targets < 2) return 0;
  if (jobs !== 'auto') return Math.min(jobs, targets) - 1;
  if (targets < POOL_MIN_TARGETS || streamed) return 0;
  return coreToSpare(machine()) ? 1 : 0;
}
