import type * as WorkerThreads from 'node:worker_threads';
import { auditTarget } from './audit.ts';
import type { AuditOptions } from './audit.ts';
import { finishTarget, labelled } from './fleet.ts';
import type { FromWorker, PoolInit, ToWorker } from './pool-protocol.ts';
import { sharedHostDiscovery } from './shared-host.ts';
import type { HostAsk } from './shared-host.ts';
import { restoreTarget } from '../redis/target.ts';
import { loadBuiltin } from '../util/builtin.ts';

/**
 * An audit worker thread (src/app/pool.ts starts it): audits each target the main thread sends with the same
 * audit core as a run in one thread, and sends its result back. The machine-wide host reads are the main
 * thread's (shared-host.ts). Nothing is printed here.
 */
export function runPoolWorker(): void {
  const { parentPort, workerData } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
  if (!parentPort) throw new Error('runPoolWorker() runs in a worker thread');
  const port = parentPort;
  const init = workerData as PoolInit;
  const send = (message: FromWorker, transfer?: readonly ArrayBuffer[]): void => port.postMessage(message, transfer as ArrayBuffer[] | undefined);
  const asked = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let lastAsk = 0;
  const ask = (question: HostAsk): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++lastAsk;
      asked.set(id, { resolve, reject });
      send({ type: 'ask', id, ask: question });
    });
  const controller = init.abortable ? new AbortController() : undefined;
  const options: AuditOptions = { ...init.options, hostDiscovery: sharedHostDiscovery(ask), ...(controller ? { signal: controller.signal } : {}) };
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'audit': {
        const { id } = message;
        auditTarget(restoreTarget(message.target), options).then(
          (result) => {
            const finished = finishTarget(labelled(result, message.labels), init.finishing);
            // The line's bytes are moved, not copied, when they own their memory (Buffer.from of a long text does).
            const bytes = finished.jsonl;
            const own = bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
            send({ type: 'done', id, finished }, own ? [bytes.buffer as ArrayBuffer] : undefined);
          },
          (error: unknown) => send({ type: 'failed', id, error: error instanceof Error ? error.message : String(error) }),
        );
        break;
      }
      case 'answer': {
        const waiting = asked.get(message.id);
        asked.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(message.error));
        else waiting?.resolve(message.value);
        break;
      }
      case 'abort':
        // The same reason as the main thread's signal, so that a target's error reads the same in either.
        controller?.abort(message.message !== undefined ? new Error(message.message) : undefined);
        break;
    }
  });
  send({ type: 'ready' });
}
