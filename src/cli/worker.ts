import { join } from 'node:path';
import { FLEET_V8_FLAGS, loadBundle } from './bundle.ts';

/**
 * An audit worker thread of the built CLI (dist/cli-worker.cjs; src/app/pool.ts starts it): the same bundle as the
 * main thread, loaded as a fleet run loads it, with its flags and code cache (src/cli/bundle.ts), then the worker's
 * loop.
 */
const { exports } = loadBundle(join(__dirname, 'cli-main.cjs'), join(__dirname, 'cli-main.fleet.cache'), FLEET_V8_FLAGS);
void (exports as typeof import('./main.ts')).poolWorker();
