import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { abandonableMemo } from '../../src/util/memo.ts';

// The run's host reads are shared by its targets: a program is stopped only when no target waits for it any more.
test('shared work is aborted when its last waiting caller gives up, not before, and started anew after', async () => {
  const once = abandonableMemo<string, string>();
  const started: AbortSignal[] = [];
  const make = (signal: AbortSignal): Promise<string> => {
    started.push(signal);
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('stopped')));
  };
  const a = new AbortController();
  const b = new AbortController();
  const first = once('firewall', make, a.signal);
  assert.equal(once('firewall', make, b.signal), first, 'the second caller shares the work');
  a.abort();
  assert.equal(started[0]!.aborted, false, 'another caller still waits');
  b.abort();
  assert.equal(started[0]!.aborted, true);
  assert.equal(await first, 'stopped');
  const c = new AbortController();
  void once('firewall', make, c.signal);
  assert.equal(started.length, 2, 'abandoned work is started anew');
  // A caller without a signal keeps it alive until the run is over.
  void once('firewall', make);
  c.abort();
  assert.equal(started[1]!.aborted, false);
  once.abandon();
  assert.equal(started[1]!.aborted, true);
});

test('finished work is kept, whoever gives up afterwards', async () => {
  const once = abandonableMemo<string, number>();
  let calls = 0;
  const a = new AbortController();
  assert.equal(await once('package', async () => ++calls, a.signal), 1);
  a.abort();
  assert.equal(await once('package', async () => ++calls, new AbortController().signal), 1);
  assert.equal(calls, 1);
});

test('a caller of work already done is not listened to (a fleet asks the run-wide answers once per target)', async () => {
  const once = abandonableMemo<string, number>();
  const first = new AbortController();
  assert.equal(await once('firewall', async () => 7, first.signal), 7);
  const later = new AbortController();
  assert.equal(await once('firewall', async () => 8, later.signal), 7);
  assert.equal(getEventListeners(later.signal, 'abort').length, 0);
  // Work still under way listens to its callers: the count is not zero for the wrong reason.
  const pending = new AbortController();
  void once('package', () => new Promise<number>(() => {}), pending.signal);
  assert.equal(getEventListeners(pending.signal, 'abort').length, 1);
  once.abandon();
});
