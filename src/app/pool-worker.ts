import type * as WorkerThreads from 'node:worker_threads';
import { auditTarget } from './audit.ts';
import type { AuditOptions } from './audit.ts';
import { finishTarget, labelled } from './fleet.ts';
import type { FromWorker, PoolInit, ToWorker } from './pool-protocol.ts';
import { sharedHostDiscovery } from './shared-host.ts';
import { BuildTables } from '../gather/live/build-tables.ts';
import type { HostAsk } from './shared-host.ts';
import { restoreTarget } from '../redis/target.ts';
import { Claims } from './pool-claims.ts';
import { loadBuiltin } from '../util/builtin.ts';
import { reportReads } from '../util/read-file.ts';

/**
 * An audit worker thread (src/app/pool.ts starts it): claims targets of the run's queue, as many at once as its
 * share of the concurrency, audits each with the same audit core as a run in one thread, and sends it back
 * finished (its report entries as bytes, moved). The machine-wide host reads are the main
 * thread's (shared-host.ts). Nothing is printed here.
 */
export function runPoolWorker(): void {
  const { parentPort, workerData } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
  if (!parentPort) throw new Error('runPoolWorker() runs in a worker thread');
  const port = parentPort;
  // Started before its run (src/cli/early-pool.ts): its data comes in the first message.
  if ((workerData as { early?: boolean } | undefined)?.early === true) {
    port.once('message', (message: ToWorker) => {
      if (message.type === 'init') runPool(port, message.init);
    });
    return;
  }
  runPool(port, workerData as PoolInit);
}

function runPool(port: WorkerThreads.MessagePort, init: PoolInit): void {
  const send = (message: FromWorker, transfer?: readonly ArrayBuffer[]): void => port.postMessage(message, transfer as ArrayBuffer[] | undefined);
  const asked = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let lastAsk = 0;
  const ask = (question: HostAsk): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++lastAsk;
      asked.set(id, { resolve, reject });
      send({ type: 'ask', id, ask: question });
    });
  // Sent as each file is opened, not with the target's result: a worker that stops in the middle of an audit has
  // told of what it read by then.
  if (init.recordReads === true) reportReads((key, path) => send({ type: 'reads', files: [[key, path]] }));
  const controller = init.abortable ? new AbortController() : undefined;
  const options: AuditOptions = { ...init.options, hostDiscovery: sharedHostDiscovery(ask), buildTables: new BuildTables(), ...(controller ? { signal: controller.signal } : {}) };
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'answer': {
        const waiting = asked.get(message.id);
        asked.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(message.error));
        else waiting?.resolve(message.value);
        break;
      }
      case 'init':
        break;
      case 'abort':
        // The same reason as the main thread's signal, so that a target's error reads the same in either.
        controller?.abort(message.message !== undefined ? new Error(message.message) : undefined);
        break;
    }
  });
  const claims = new Claims(init.claims, init.id);
  const one = async (position: number): Promise<void> => {
    const { target, labels } = init.queue[position]!;
    try {
      const result = await auditTarget(restoreTarget(target), options);
      const finished = finishTarget(labelled(result, labels), init.finishing);
      send({ type: 'done', position, finished }, [own(finished.jsonl), own(finished.json)].filter((b) => b !== undefined));
    } catch (error) {
      send({ type: 'failed', position, error: error instanceof Error ? error.message : String(error) });
    }
  };
  // Each target in a call of its own (see src/app/fleet.ts runFleet): a loop's frame would hold the last result.
  const runner = async (): Promise<void> => {
    for (let position = claims.claim(); position !== undefined; position = claims.claim()) await one(position);
  };
  for (let i = 0; i < init.concurrency; i++) void runner();
}

/** The memory of `bytes` when they own all of it (what jsonTargetBytes and Buffer.from of a long text make): moved, not copied. */
function own(bytes: Uint8Array | undefined): ArrayBuffer | undefined {
  return bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : undefined;
}
