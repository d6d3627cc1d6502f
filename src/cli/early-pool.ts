import type * as WorkerThreads from 'node:worker_threads';
import { loadBuiltin } from '../util/builtin.ts';
import { isFleetRun } from './bundle.ts';
import { thisMachine, workerCount } from '../app/pool-machine.ts';
import type { Machine } from '../app/pool-machine.ts';

/**
 * A fleet's audit worker thread started with the CLI, before its bundle is loaded (src/cli/start.ts), for a run
 * that will likely use one: `audit --targets` with `--jobs` 2 or more, or `auto` where auto would start one (a
 * machine with a core to spare, a report kept whole: no JSON Lines, no --summary-only; src/app/pool-machine.ts
 * workerCount). A worker takes some 100 ms of CPU to start (a thread, Node's bootstrap, the bundle), 300-500 ms
 * of wall time under load: started here it is ready about when the first targets are. The run adopts it
 * (src/app/pool-offer.ts offerPoolWorker) or stops it; it waits for its run's data (`early` in its workerData), and keeps
 * no process alive meanwhile.
 */
export function startEarlyPoolWorker(argv: readonly string[], entry: string): WorkerThreads.Worker | undefined {
  if (!wantsEarlyPoolWorker(argv, thisMachine)) return undefined;
  const { Worker } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
  // Its own stdout and stderr, read by the run that takes it (src/app/pool.ts): read now, they would keep this
  // process alive, though the worker does not.
  const worker = new Worker(entry, { workerData: { early: true }, stdout: true, stderr: true });
  worker.unref();
  return worker;
}


/**
 * Whether the command line is a fleet audit that will likely start a worker thread (see {@link startEarlyPoolWorker}):
 * the run's rule ({@link workerCount}), before the targets are read.
 */
export function wantsEarlyPoolWorker(argv: readonly string[], machine: () => Machine): boolean {
  if (!argv.includes('audit') || !isFleetRun(argv)) return false;
  let given: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--jobs') given = argv[++i];
    else if (argv[i]!.startsWith('--jobs=')) given = argv[i]!.slice('--jobs='.length);
  }
  const jobs = given === undefined || given === 'auto' ? 'auto' : Number(given);
  // Not a whole number: the run stops at it.
  if (jobs !== 'auto' && !Number.isInteger(jobs)) return false;
  return workerCount(jobs, Infinity, argv.includes('--summary-only') || streamedFormat(argv), machine) > 0;
}

/** Whether a command line asks for JSON Lines (`--format jsonl`, `-f json,jsonl`, `-o jsonl=FILE`): a streamed run. */
function streamedFormat(argv: readonly string[]): boolean {
  return argv.some((a, i) => {
    const flag = argv[i - 1];
    const formats = flag === '--format' || flag === '-f' ? a : a.startsWith('--format=') ? a.slice('--format='.length) : undefined;
    if (formats !== undefined) return formats.split(',').includes('jsonl');
    const output = flag === '--output' || flag === '-o' ? a : a.startsWith('--output=') ? a.slice('--output='.length) : undefined;
    return output !== undefined && output.startsWith('jsonl=');
  });
}
