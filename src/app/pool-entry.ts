// An audit worker thread's entry in the library build (dist/pool-worker.mjs) and from the sources (tests, through
// tsx); the CLI's is src/cli/worker.ts, which loads the CLI's bundle with its code cache first.
import { runPoolWorker } from './pool-worker.ts';

runPoolWorker();
