import { join } from 'node:path';
import { loadBundle } from './bundle.ts';

/**
 * An audit worker thread of the built CLI (dist/cli-worker.cjs; src/app/pool.ts starts it): the same bundle as the
 * main thread, loaded with its code cache (src/cli/bundle.ts), then the worker's loop.
 */
const { exports } = loadBundle(join(__dirname, 'cli-main.cjs'), join(__dirname, 'cli-main.cache'));
void (exports as typeof import('./main.ts')).poolWorker();
