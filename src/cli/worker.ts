import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { FLEET_V8_FLAGS, loadBundle } from './bundle.ts';

/**
 * An audit worker thread of the built CLI (dist/cli-worker.cjs; src/app/pool.ts starts it): the same bundle as the
 * main thread, loaded as a fleet run loads it, with its flags and code cache (src/cli/bundle.ts), then the worker's
 * loop. V8's flags are the process's: the worker the CLI starts early (src/cli/early-pool.ts) comes after
 * src/cli/start.ts set them, and does not set them again while the main thread compiles its bundle under them; a
 * worker started by the run itself sets them (a run of the settings file's targets loaded its bundle without them).
 */
const early = (workerData as { early?: boolean } | undefined)?.early === true;
const { exports } = loadBundle(join(__dirname, 'cli-main.cjs'), join(__dirname, 'cli-main.fleet.cache'), early ? undefined : FLEET_V8_FLAGS);
void (exports as typeof import('./main.ts')).poolWorker();
