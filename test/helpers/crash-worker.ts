// A pool worker that fails (test/fleet/pool-claims.test.ts): claims two targets of the queue, reports the first as
// failed, then its thread exits with code 7, the second still claimed. What the main thread must make of it: the
// second is an error that names the exit, and the rest of the queue is the other threads'.
import { parentPort, workerData } from 'node:worker_threads';
import { Claims } from '../../src/app/pool-claims.ts';
import type { FromWorker, PoolInit } from '../../src/app/pool-protocol.ts';

const init = workerData as PoolInit;
const claims = new Claims(init.claims, init.id);
const first = claims.claim();
claims.claim();
parentPort!.postMessage({ type: 'failed', position: first!, error: 'it threw here' } satisfies FromWorker);
process.exit(7);
