import type * as WorkerThreads from 'node:worker_threads';

/** A worker thread started before the run knew it would need one (src/cli/early-pool.ts), and what became of it. */
interface Offered {
  readonly worker: WorkerThreads.Worker;
  /** It stopped before a run took it. */
  stopped: boolean;
}

let offered: Offered | undefined;
let underFleetFlags = false;

/**
 * Said by the CLI's entry when it set the fleet V8 flags before any JS of the run (src/cli/start.ts: a `--targets`
 * run; src/cli/bundle.ts FLEET_V8_FLAGS). A run of the settings file's targets has V8's defaults.
 */
export function declareFleetV8Flags(): void {
  underFleetFlags = true;
}

/** Whether the process runs under the fleet V8 flags ({@link declareFleetV8Flags}): told to each worker a run starts. */
export function fleetV8Flags(): boolean {
  return underFleetFlags;
}

/**
 * Offers the next fleet run an audit worker thread already starting (src/cli/start.ts): started with `{ early:
 * true }` as its workerData, it waits for its run's data (src/app/pool-worker.ts). A run that starts workers takes
 * it first ({@link takeOfferedWorker}); one that starts none stops it ({@link dropOfferedWorker}).
 */
export function offerPoolWorker(worker: WorkerThreads.Worker): void {
  const entry: Offered = { worker, stopped: false };
  // An error event with no listener would end the process: until a run takes it, an error only stops it.
  worker.on('error', () => undefined);
  worker.once('exit', () => {
    entry.stopped = true;
  });
  offered = entry;
}

/** The worker offered, if it is still running; a run takes it once. */
export function takeOfferedWorker(): WorkerThreads.Worker | undefined {
  const entry = offered;
  offered = undefined;
  return entry && !entry.stopped ? entry.worker : undefined;
}

/** Stops the worker offered, if any: the run needs none. */
export function dropOfferedWorker(): void {
  const entry = takeOfferedWorker();
  if (entry) void entry.terminate();
}
