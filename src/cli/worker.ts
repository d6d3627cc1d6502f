import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { loadBundle } from './bundle.ts';

/**
 * An audit worker thread of the built CLI (dist/cli-worker.cjs; src/app/pool.ts starts it): the same bundle as the
 * main thread, with the code cache made under the V8 flags the process runs under (src/cli/bundle.ts), then the
 * worker's loop. It never sets them: V8's flags are the process's, and changed here they would change under the
 * running main thread. src/cli/start.ts sets the fleet's before any JS of a `--targets` run, so the worker the CLI
 * starts early (src/cli/early-pool.ts, only for such a run) and those its run starts load the fleet's cache; a run
 * of the settings file's targets has V8's defaults, and its workers (told by src/app/pool.ts: PoolInit.fleetV8Flags)
 * load the default cache.
 */
const data = workerData as { early?: boolean; fleetV8Flags?: boolean } | undefined;
const fleet = data?.early === true || data?.fleetV8Flags === true;
const { exports } = loadBundle(join(__dirname, 'cli-main.cjs'), join(__dirname, fleet ? 'cli-main.fleet.cache' : 'cli-main.cache'));
void (exports as typeof import('./main.ts')).poolWorker();
