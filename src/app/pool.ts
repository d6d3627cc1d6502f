import type * as WorkerThreads from 'node:worker_threads';
import type * as Os from 'node:os';
import type * as Url from 'node:url';
import type * as Module from 'node:module';
import type { AuditOptions } from './audit.ts';
import { scrubPassword } from './audit.ts';
import type { FromWorker, PoolInit, ToWorker } from './pool-protocol.ts';
import { answerHostAsk } from './shared-host.ts';
import type { Finished, Finishing } from './fleet.ts';
import type { HostDiscovery } from '../gather/host/discovery.ts';
import type { Target } from '../redis/target.ts';
import { portableTarget } from '../redis/target.ts';
import { loadBuiltin } from '../util/builtin.ts';

/** Set by the build (scripts/build.mjs): the worker thread's entry, beside the bundle that starts it. */
declare const __REDFORT_POOL_WORKER__: string | undefined;

/**
 * `--jobs`: how many threads audit a fleet's targets: 1, the main thread alone; N, the main thread and N - 1
 * worker threads; `auto` decides ({@link workerCount}).
 */
export type Jobs = number | 'auto';

/**
 * With `auto`, fewer targets than this are audited in the main thread alone: a worker costs its start and a
 * second load of the code (about 150 ms of CPU on the project's machine under load), which a few targets do not
 * win back.
 */
export const POOL_MIN_TARGETS = 40;

/** The most threads `--jobs` asks for. */
export const MAX_JOBS = 64;

/** What `auto` looks at: the cores this process may use and the load average of the last minute. */
export interface Machine {
  readonly cores: number;
  readonly load: number;
}

function thisMachine(): Machine {
  const os = loadBuiltin<typeof Os>('node:os');
  return { cores: os.availableParallelism(), load: os.loadavg()[0]! };
}

/**
 * How many worker threads audit a fleet of `targets` targets (those audited one by one) beside the main thread.
 * `auto`: one, for 40 targets or more whose whole report is kept, on a machine of two cores or more whose load
 * average leaves a core idle; else none. A streamed run (JSON Lines, the summary alone) stays in one thread: it is
 * bounded by its memory, and a second thread's heap raised 1,000 targets' peak from 112-116 to 167-173 MiB; a
 * worker with a bounded heap (V8's `resourceLimits`) peaked higher than one thread and cost half as much CPU
 * again. On the project's 2-core machine under a load of 6 to 9, a second thread was no faster for 200 local
 * servers and cost a fifth more CPU (its start, the results' copies, its own caches and JIT warm-up): README,
 * Performance.
 */
export function workerCount(jobs: Jobs | undefined, targets: number, streamed: boolean, machine: () => Machine = thisMachine): number {
  if (jobs === undefined || targets < 2) return 0;
  if (jobs !== 'auto') return Math.min(jobs, targets) - 1;
  if (targets < POOL_MIN_TARGETS || streamed) return 0;
  const { cores, load } = machine();
  return cores >= 2 && load <= cores - 1 ? 1 : 0;
}

/** The worker's entry: the built one beside the bundle, or the TypeScript source through tsx (tests, a checkout). */
function workerEntry(): URL {
  if (typeof __REDFORT_POOL_WORKER__ === 'string') return new URL(__REDFORT_POOL_WORKER__, import.meta.url);
  // tsx's loader registered in the worker (a worker's own modules do not go through the parent's hooks): its ES
  // module API, found through tsx's package.json (a data: URL module resolves no package name).
  const require = loadBuiltin<typeof Module>('node:module').createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const api = (require(tsxPackage) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const code = [
    `import { register } from ${JSON.stringify(new URL(api, loadBuiltin<typeof Url>('node:url').pathToFileURL(tsxPackage)).href)};`,
    'register();',
    `await import(${JSON.stringify(new URL('./pool-entry.ts', import.meta.url).href)});`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Slot {
  readonly worker: WorkerThreads.Worker;
  /** Targets sent and not yet answered, by message id. */
  readonly pending: Map<number, { readonly target: Target; readonly labels: Labels; readonly settle: (finished: Finished) => void }>;
  alive: boolean;
  /** The worker has loaded the code: until then the main thread takes every target. */
  ready: boolean;
}

type Labels = Readonly<Record<string, string>> | undefined;

/** What the pool needs of the run. */
export interface PoolRun {
  /** The run's options (what cannot cross to a thread is left out). */
  readonly options: AuditOptions & { readonly hostDiscovery: HostDiscovery };
  /** What becomes of each result in the worker (src/app/fleet.ts). */
  readonly finishing: Finishing;
  /** A target that could not be audited: its error result, finished. */
  readonly failed: (target: Target, labels: Labels, error: string) => Finished;
  /** Audits and finishes a target in this thread: when every worker has stopped. */
  readonly here: (target: Target, labels: Labels) => Promise<Finished>;
}

/**
 * Worker threads that audit targets with the same audit core as the main thread (src/app/pool-worker.ts), beside
 * it: each target in the least busy thread, this one included. The main thread keeps the run: the order, the
 * results, the output, and the host discovery the workers ask (src/app/shared-host.ts). A worker that stops (out of memory, a crash)
 * makes its targets in flight errors; the others go on, in this thread when no worker is left.
 */
export class AuditPool {
  readonly #slots: Slot[] = [];
  readonly #run: PoolRun;
  #lastId = 0;
  /** Targets this thread audits at the moment. */
  #here = 0;
  readonly #onAbort: (() => void) | undefined;

  private constructor(run: PoolRun) {
    this.#run = run;
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
   * `workers` worker threads for a run, or undefined when its options cannot cross to a thread (the run then stays in
   * this one).
   */
  static start(workers: number, run: PoolRun): AuditPool | undefined {
    const { Worker } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
    const { hostDiscovery: _discovery, signal, ...rest } = run.options;
    const { auditDeployment: _deployment, jobs: _jobs, ...plain } = rest as typeof rest & { auditDeployment?: unknown; jobs?: unknown };
    const init: PoolInit = { options: plain, finishing: run.finishing, abortable: signal !== undefined };
    const pool = new AuditPool(run);
    const entry = workerEntry();
    for (let i = 0; i < workers; i++) {
      let worker: WorkerThreads.Worker;
      try {
        // stdout and stderr of their own, not the user's: a worker prints nothing, and no output of its may mix
        // with the reports (JSON Lines on stdout).
        worker = new Worker(entry, { workerData: init, stdout: true, stderr: true });
      } catch (error) {
        if ((error as Error).name !== 'DataCloneError') throw error;
        void pool.close();
        return undefined;
      }
      // A worker prints nothing; whatever Node might (a warning) is read and dropped, not held.
      worker.stdout.resume();
      worker.stderr.resume();
      pool.#add(worker);
    }
    if (signal && pool.#onAbort) {
      if (signal.aborted) pool.#onAbort();
      else signal.addEventListener('abort', pool.#onAbort, { once: true });
    }
    return pool;
  }

  #add(worker: WorkerThreads.Worker): void {
    const slot: Slot = { worker, pending: new Map(), alive: true, ready: false };
    this.#slots.push(slot);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        slot.ready = true;
        return;
      }
      if (message.type === 'ask') {
        answerHostAsk(this.#run.options.hostDiscovery, message.ask).then(
          (value) => slot.alive && worker.postMessage({ type: 'answer', id: message.id, value } satisfies ToWorker),
          (error: unknown) => slot.alive && worker.postMessage({ type: 'answer', id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies ToWorker),
        );
        return;
      }
      const task = slot.pending.get(message.id);
      if (!task) return;
      slot.pending.delete(message.id);
      task.settle(message.type === 'done' ? message.finished : this.#run.failed(task.target, task.labels, scrubPassword(message.error, task.target)));
    });
    const stopped = (why: string): void => {
      if (!slot.alive) return;
      slot.alive = false;
      for (const task of slot.pending.values()) task.settle(this.#run.failed(task.target, task.labels, scrubPassword(`the audit thread stopped: ${why}`, task.target)));
      slot.pending.clear();
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`it exited with code ${code}`));
    worker.on('messageerror', (error) => stopped(error.message));
  }

  /** Audits and finishes one target in the least busy worker (in this thread when none is left); never rejects. */
  audit(target: Target, labels: Labels): Promise<Finished> {
    let slot: Slot | undefined;
    // The least busy thread, this one included; a worker still loading takes none (they would wait for it).
    for (const s of this.#slots) if (s.alive && s.ready && (!slot || s.pending.size < slot.pending.size)) slot = s;
    if (!slot || this.#here <= slot.pending.size) {
      this.#here += 1;
      return this.#run.here(target, labels).finally(() => {
        this.#here -= 1;
      });
    }
    const chosen = slot;
    const id = ++this.#lastId;
    return new Promise((settle) => {
      chosen.pending.set(id, { target, labels, settle });
      chosen.worker.postMessage({ type: 'audit', id, target: portableTarget(target), ...(labels ? { labels } : {}) } satisfies ToWorker);
    });
  }

  /** Stops the workers (nothing of theirs is waited for: every target sent has its answer by now). */
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
