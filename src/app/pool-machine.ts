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
