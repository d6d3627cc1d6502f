import type * as WorkerThreads from 'node:worker_threads';
import type * as Url from 'node:url';
import type * as Module from 'node:module';
import type { AuditOptions } from './audit.ts';
import { scrubPassword } from './audit.ts';
import type { FromWorker, PoolInit, ToWorker } from './pool-protocol.ts';
import { Claims } from './pool-claims.ts';
import { fleetV8Flags, takeOfferedWorker } from './pool-offer.ts';
import { answerHostAsk } from './shared-host.ts';
import type { Finished, Finishing } from './fleet.ts';
import type { HostDiscovery } from '../gather/host/discovery.ts';
import type { Target } from '../redis/target.ts';
import { portableTarget } from '../redis/target.ts';
import { loadBuiltin } from '../util/builtin.ts';
import { addReads, recordingReads } from '../util/read-file.ts';

/** Set by the build (scripts/build.mjs): the worker thread's entry, beside the bundle that starts it. */
declare const __REDFORT_POOL_WORKER__: string | undefined;

/**
 * The worker's entry: the built one beside the bundle, or the TypeScript source through tsx (tests, a checkout);
 * from the sources, `source` is a module to run instead (a test's worker). The build keeps only its first line.
 */
function workerEntry(source?: URL): URL {
  if (typeof __REDFORT_POOL_WORKER__ === 'string') return new URL(__REDFORT_POOL_WORKER__, import.meta.url);
  // tsx's loader registered in the worker (a worker's own modules do not go through the parent's hooks): its ES
  // module API, found through tsx's package.json (a data: URL module resolves no package name).
  const require = loadBuiltin<typeof Module>('node:module').createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const api = (require(tsxPackage) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const code = [
    `import { register } from ${JSON.stringify(new URL(api, loadBuiltin<typeof Url>('node:url').pathToFileURL(tsxPackage)).href)};`,
    'register();',
    `await import(${JSON.stringify((source ?? new URL('./pool-entry.ts', import.meta.url)).href)});`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Slot {
  readonly worker: WorkerThreads.Worker;
  /** Its mark on the positions it claims. */
  readonly id: number;
  alive: boolean;
  /** Why it stopped, when it said (an error) before it exited. */
  why?: string;
}

type Labels = Readonly<Record<string, string>> | undefined;

/** The main thread's mark on the positions it claims; the workers' are 2 and up. */
const MAIN_THREAD = 1;

/** What the pool needs of the run. */
export interface PoolRun {
  /** The run's options (what cannot cross to a thread is left out). */
  readonly options: AuditOptions & { readonly hostDiscovery: HostDiscovery };
  /** What becomes of each result in the worker (src/app/fleet.ts). */
  readonly finishing: Finishing;
  /** The targets the threads share, in the fleet's order: each is audited by the first thread with room for it. */
  readonly queue: readonly { readonly target: Target; readonly labels: Labels }[];
  /** A target that could not be audited: its error result, finished. */
  readonly failed: (target: Target, labels: Labels, error: string) => Finished;
  /** A target of the queue that a worker audited and finished (or that failed with it), by its position. */
  readonly onFinished: (position: number, finished: Finished) => void;
}

/**
 * Worker threads that audit targets with the same audit core as the main thread (src/app/pool-worker.ts), beside
 * it. The threads share the queue of targets: each claims the next one whenever it has room (its share of the
 * run's concurrency), the main thread through {@link AuditPool.claims}, so that a thread busier than another takes
 * fewer and none waits to be handed work. The main thread keeps the run: the order, the results, the output, and
 * the host discovery the workers ask (src/app/shared-host.ts). A worker that stops (out of memory, a crash) makes
 * its targets in flight errors; the other threads take the rest.
 */
export class AuditPool {
  readonly #slots: Slot[] = [];
  readonly #run: PoolRun;
  /** The main thread's claims on the queue. */
  readonly claims: Claims;
  /** Positions handed to the run's onFinished (by a worker, or failed with one). */
  readonly #reported: Uint8Array;
  #reportedCount = 0;
  /** Once the main thread claims no more: how many positions the workers claimed, and whom to tell when all are in. */
  #waiting: { readonly count: number; readonly resolve: () => void } | undefined;
  /** The first error the run's onFinished threw (a report that could not be written): the run ends with it. */
  readonly failure: Promise<never>;
  /** Whether {@link AuditPool.failure} has rejected (at once, not a microtask later as a handler on it would). */
  get failed(): boolean {
    return this.#failed;
  }
  #fail!: (error: unknown) => void;
  /** Whether {@link AuditPool.failure} has rejected: from then on the run ends with it, however far it got. */
  #failed = false;
  readonly #onAbort: (() => void) | undefined;

  private constructor(run: PoolRun, memory: SharedArrayBuffer) {
    this.#run = run;
    this.claims = new Claims(memory, MAIN_THREAD);
    this.#reported = new Uint8Array(run.queue.length);
    this.failure = new Promise<never>((_resolve, reject) => {
      this.#fail = reject;
    });
    // Nobody may be waiting for it yet.
    this.failure.catch(() => undefined);
    const { signal } = run.options;
    this.#onAbort = signal
      ? () => {
          const reason: unknown = signal.reason;
          const message = reason instanceof Error && reason.name !== 'AbortError' ? reason.message : undefined;
          for (const slot of this.#slots) if (slot.alive) slot.worker.postMessage({ type: 'abort', message } satisfies ToWorker);
        }
      : undefined;
  }

  /**
   * Worker threads for a run, one per entry of `concurrency` (the targets each audits at once), or undefined when
   * its options cannot cross to a thread (the run then stays in this one). `source`: a module that each worker
   * runs instead of src/app/pool-entry.ts (tests, from the sources: a build ignores it).
   */
  static start(concurrency: readonly number[], run: PoolRun, source?: URL): AuditPool | undefined {
    const { Worker } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
    // Each worker keeps the builds it meets itself (a class does not cross to a thread).
    const { hostDiscovery: _discovery, buildTables: _builds, signal, ...rest } = run.options;
    const { auditDeployment: _deployment, jobs: _jobs, ...plain } = rest as typeof rest & { auditDeployment?: unknown; jobs?: unknown };
    const memory = Claims.memory(run.queue.length);
    const queue = run.queue.map(({ target, labels }) => ({ target: portableTarget(target), ...(labels ? { labels } : {}) }));
    const pool = new AuditPool(run, memory);
    const entry = workerEntry(source);
    for (const [i, share] of concurrency.entries()) {
      const init: PoolInit = { options: plain, finishing: run.finishing, abortable: signal !== undefined, queue, claims: memory, id: MAIN_THREAD + 1 + i, concurrency: share, fleetV8Flags: fleetV8Flags(), recordReads: recordingReads() };
      // The first: the one the CLI started early, if it did (src/cli/early-pool.ts), already loading.
      const early = i === 0 && source === undefined ? takeOfferedWorker() : undefined;
      let worker: WorkerThreads.Worker;
      try {
        if (early) {
          worker = early;
          worker.postMessage({ type: 'init', init } satisfies ToWorker);
          worker.ref();
        } else {
          // stdout and stderr of their own, not the user's: a worker prints nothing, and no output of its may mix
          // with the reports (JSON Lines on stdout).
          worker = new Worker(entry, { workerData: init, stdout: true, stderr: true });
        }
        // A worker prints nothing; whatever Node might (a warning) is read and dropped, not held.
        worker.stdout.resume();
        worker.stderr.resume();
      } catch (error) {
        if ((error as Error).name !== 'DataCloneError') throw error;
        if (early) void early.terminate();
        void pool.close();
        return undefined;
      }
      pool.#add(worker, init.id);
    }
    if (signal && pool.#onAbort) {
      if (signal.aborted) pool.#onAbort();
      else signal.addEventListener('abort', pool.#onAbort, { once: true });
    }
    return pool;
  }

  #add(worker: WorkerThreads.Worker, id: number): void {
    const slot: Slot = { worker, id, alive: true };
    this.#slots.push(slot);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ask') {
        answerHostAsk(this.#run.options.hostDiscovery, message.ask).then(
          (value) => slot.alive && worker.postMessage({ type: 'answer', id: message.id, value } satisfies ToWorker),
          (error: unknown) => slot.alive && worker.postMessage({ type: 'answer', id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies ToWorker),
        );
        return;
      }
      if (message.type === 'reads') {
        addReads(message.files);
        return;
      }
      if (message.type === 'done') this.#report(message.position, () => message.finished);
      else this.#report(message.position, (target, labels) => this.#run.failed(target, labels, scrubPassword(message.error, target)));
    });
    // What it claimed is known once it has stopped: its exit. An error comes before it.
    worker.on('error', (error) => {
      slot.why ??= error.message;
    });
    worker.on('messageerror', (error) => {
      // A result that could not be read: the worker stops, and its targets not reported are errors.
      slot.why ??= error.message;
      void worker.terminate();
    });
    worker.on('exit', (code) => {
      if (!slot.alive) return;
      slot.alive = false;
      const why = slot.why ?? `it exited with code ${code}`;
      for (let position = 0; position < this.#reported.length; position++) {
        if (this.claims.owner(position) === slot.id && this.#reported[position] === 0) {
          this.#report(position, (target, labels) => this.#run.failed(target, labels, scrubPassword(`the audit thread stopped: ${why}`, target)));
        }
      }
    });
  }

  /** Hands a worker's target on, once. */
  #report(position: number, finished: (target: Target, labels: Labels) => Finished): void {
    if (this.#reported[position] !== 0) return;
    this.#reported[position] = 1;
    this.#reportedCount += 1;
    try {
      const { target, labels } = this.#run.queue[position]!;
      this.#run.onFinished(position, finished(target, labels));
    } catch (error) {
      this.#failed = true;
      this.#fail(error);
    }
    if (this.#waiting && this.#reportedCount >= this.#waiting.count) this.#waiting.resolve();
  }

  /**
   * Once the main thread claims no more (every position is claimed): resolves when every target the workers claimed
   * has been handed on. With {@link AuditPool.failure}, rejects instead.
   */
  settled(): Promise<void> {
    // A failure stays the run's end even when every target is in by now (the worker's last ones came after it).
    if (this.#failed) return this.failure;
    let count = 0;
    for (let position = 0; position < this.#reported.length; position++) if (this.claims.owner(position) !== MAIN_THREAD) count += 1;
    if (this.#reportedCount >= count) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => {
        this.#waiting = { count, resolve };
      }),
      this.failure,
    ]);
  }

  /** Stops the workers (nothing of theirs is waited for: every target claimed has its answer by now). */
  async close(): Promise<void> {
    if (this.#onAbort) this.#run.options.signal?.removeEventListener('abort', this.#onAbort);
    await Promise.all(
      this.#slots.map((slot) => {
        slot.alive = false;
        return slot.worker.terminate();
      }),
    );
  }
}
