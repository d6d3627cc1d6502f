import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Claims } from '../../src/app/pool-claims.ts';
import { AuditPool } from '../../src/app/pool.ts';
import { tallyOf } from '../../src/app/fleet.ts';
import type { Finished, Finishing } from '../../src/app/fleet.ts';
import { createHostDiscovery } from '../../src/gather/host/discovery.ts';
import { resolveTarget } from '../../src/redis/target.ts';

// The queue of a fleet's pooled targets that the threads share (src/app/pool-claims.ts, src/app/pool.ts).

describe('Claims', () => {
  it('gives each position to one thread, in order, and knows whose it is', () => {
    const memory = Claims.memory(5);
    const main = new Claims(memory, 1);
    const worker = new Claims(memory, 2);
    assert.equal(main.size, 5);
    assert.equal(main.next(), 0);
    assert.equal(main.claim(), 0);
    assert.equal(worker.claim(), 1);
    assert.equal(worker.claim(), 2);
    assert.equal(main.next(), 3);
    assert.equal(main.claim(), 3);
    assert.equal(worker.claim(), 4);
    assert.equal(main.claim(), undefined);
    assert.equal(worker.claim(), undefined);
    assert.equal(main.next(), 5);
    assert.deepEqual([0, 1, 2, 3, 4].map((p) => main.owner(p)), [1, 2, 2, 1, 2]);
  });

  it('an empty queue has nothing to claim', () => {
    const claims = new Claims(Claims.memory(0), 1);
    assert.equal(claims.claim(), undefined);
    assert.equal(claims.next(), 0);
  });
});

const finishing: Finishing = { settings: undefined, baseline: undefined, today: '2026-12-04', root: undefined, threshold: undefined, keepResult: false, jsonl: false };
const failedFinished = (display: string, error: string): Finished => ({ tally: tallyOf({ target: display, error, results: [] }), warnings: [], failedOn: false });

/** A pool of one worker (test/helpers/crash-worker.ts: it fails its first target, then exits with the second claimed) over `count` targets. */
function crashPool(count: number, discovery: ReturnType<typeof createHostDiscovery>, onFinished: (position: number, finished: Finished) => void) {
  const queue = Array.from({ length: count }, (_, i) => ({ target: resolveTarget(`redis://127.0.0.1:${7000 + i}`, {}, {}), labels: undefined }));
  return AuditPool.start([1], {
    options: { hostDiscovery: discovery },
    finishing,
    queue,
    failed: (target, _labels, error) => failedFinished(target.display, error),
    onFinished,
  }, new URL('../helpers/crash-worker.ts', import.meta.url));
}

describe('AuditPool with a worker that stops', () => {
  it('makes the targets it claimed errors that say why, once each, and leaves the rest of the queue to the others', { timeout: 60_000 }, async () => {
    const got = new Map<number, string | undefined>();
    let allIn: () => void = () => undefined;
    const twoIn = new Promise<void>((resolve) => (allIn = resolve));
    const discovery = createHostDiscovery();
    const pool = crashPool(5, discovery, (position, finished) => {
      assert.ok(!got.has(position), `position ${position} reported twice`);
      got.set(position, finished.tally.line.error);
      if (got.size === 2) allIn();
    });
    assert.ok(pool);
    try {
      await twoIn;
      assert.deepEqual([...got].sort(), [[0, 'it threw here'], [1, 'the audit thread stopped: it exited with code 7']]);
      // The main thread takes what is left.
      assert.deepEqual([pool.claims.claim(), pool.claims.claim(), pool.claims.claim(), pool.claims.claim()], [2, 3, 4, undefined]);
      await pool.settled();
      assert.equal(got.size, 2);
    } finally {
      await pool.close();
      discovery.close();
    }
  });

  it('ends the run with the error that handing a target on threw (a report that cannot be written)', { timeout: 60_000 }, async () => {
    const discovery = createHostDiscovery();
    let calls = 0;
    let bothIn: () => void = () => undefined;
    const both = new Promise<void>((resolve) => (bothIn = resolve));
    const pool = crashPool(3, discovery, () => {
      // The worker's two targets: the one it failed, then the one its exit left (both handed on, both throw).
      if (++calls === 2) bothIn();
      throw new Error('cannot write the report');
    });
    assert.ok(pool);
    try {
      await assert.rejects(pool.failure, /cannot write the report/);
      // Every target the worker claimed is in before the main thread asks: the run still ends with the failure.
      await both;
      while (pool.claims.claim() !== undefined);
      await assert.rejects(pool.settled(), /cannot write the report/);
    } finally {
      await pool.close();
      discovery.close();
    }
  });
});
