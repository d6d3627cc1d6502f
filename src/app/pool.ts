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
 * `--jobs`: how many threads audit a fleet's targets. 1: the main thread alone; N: the main thread and N - 1
 * worker threads, or N worker threads when the run streams its results (see {@link poolPlan}); `auto` decides.
 */
export type Jobs = number | 'auto';

/**
 * With `auto`, fewer targets than this are audited in the main thread: a worker costs its start and a second
 * load of the code (about 150 ms of CPU each on the project's machine under load), which a few targets do not
 * win back (README, Performance).
 */
export const POOL_MIN_TARGETS = 40;

/** The most threads `--jobs` asks for. */
export const MAX_JOBS = 64;

/**
 * The heap of a worker of a streamed run: a young generation of 4 MiB (V8's default grows to 16 MiB semi-spaces)
 * and an old generation bounded at 512 MiB, which also keeps V8 from letting it grow to four times its live size
 * (it grows it by less under a bound): 1,000 targets peaked at 124 to 131 MiB, against 132 to 140 MiB in one
 * thread, for about a fifth more CPU (README, Performance). The bound is far above what an audit keeps alive.
 */
export const STREAM_LIMITS: WorkerThreads.ResourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/** Who audits a fleet: how many worker threads, whether the main thread audits too, the workers' heap limits. */
export interface PoolPlan {
  readonly workers: number;
  readonly mainAudits: boolean;
  readonly resourceLimits?: WorkerThreads.ResourceLimits;
}

/**
 * The threads of a run of `targets` targets (those audited one by one). A run that keeps its results (a report
 * of the whole fleet) is after speed: the main thread audits beside N - 1 workers, whose results cross back
 * whole. A run that streams them (JSON Lines, the summary alone) is after memory: N workers with bounded heaps
 * (`auto`: one) audit, and the main thread only writes what they send. `auto` starts workers for speed only where
 * they can win: 40 targets or more, two cores or more, and a core left idle by the load average (on the
 * project's 2-core machine under a load of 7 to 8 two threads were no faster, for a fifth more CPU).
 */
export function poolPlan(jobs: Jobs | undefined, targets: number, streamed: boolean): PoolPlan | undefined {
  if (jobs === undefined || targets === 0) return undefined;
  let threads: number;
  if (jobs === 'auto') {
    if (targets < POOL_MIN_TARGETS) return undefined;
    if (streamed) return { workers: 1, mainAudits: false, resourceLimits: STREAM_LIMITS };
    const os = loadBuiltin<typeof Os>('node:os');
    const cores = os.availableParallelism();
    if (cores < 2 || os.loadavg()[0]! > cores - 1) return undefined;
    threads = 2;
  } else {
    if (jobs <= 1) return undefined;
    threads = Math.min(jobs, targets);
  }
  return streamed ? { workers: threads, mainAudits: false, resourceLimits: STREAM_LIMITS } : { workers: threads - 1, mainAudits: true };
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
 * Worker threads that audit targets with the same audit core as the main thread (src/app/pool-worker.ts), each
 * target in one of them, the least busy; the main thread keeps the run: the order, the results, the output, and
 * the host discovery the workers ask (src/app/shared-host.ts). A worker that stops (out of memory, a crash)
 * makes its targets in flight errors; the others go on, in this thread when no worker is left.
 */
export class AuditPool {
  readonly #slots: Slot[] = [];
  readonly #run: PoolRun;
  #lastId = 0;
  /** Targets this thread audits at the moment. */
  #here = 0;
  readonly #onAbort: (() => void) | undefined;

  readonly #mainAudits: boolean;

  private constructor(run: PoolRun, mainAudits: boolean) {
    this.#run = run;
    this.#mainAudits = mainAudits;
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
   * `size` workers for a run, or undefined when its options cannot cross to a thread (the run then stays in
   * this one).
   */
  static start(plan: PoolPlan, run: PoolRun): AuditPool | undefined {
    const { Worker } = loadBuiltin<typeof WorkerThreads>('node:worker_threads');
    const { hostDiscovery: _discovery, signal, ...rest } = run.options;
    const { auditDeployment: _deployment, jobs: _jobs, ...plain } = rest as typeof rest & { auditDeployment?: unknown; jobs?: unknown };
    const init: PoolInit = { options: plain, finishing: run.finishing, abortable: signal !== undefined };
    const pool = new AuditPool(run, plan.mainAudits);
    const entry = workerEntry();
    for (let i = 0; i < plan.workers; i++) {
      let worker: WorkerThreads.Worker;
      try {
        // stdout and stderr of their own, never read: a worker prints nothing, and none of it may reach the user.
        worker = new Worker(entry, { workerData: init, stdout: true, stderr: true, ...(plan.resourceLimits ? { resourceLimits: plan.resourceLimits } : {}) });
      } catch (error) {
        if ((error as Error).name !== 'DataCloneError') throw error;
        void pool.close();
        return undefined;
      }
      pool.#add(worker);
    }
    if (signal && pool.#onAbort) {
      if (signal.aborted) pool.#onAbort();
      else signal.addEventListener('abort', pool.#onAbort, { once: true });
    }
    return pool;
  }

  #add(worker: WorkerThreads.Worker): void {
    const slot: Slot = { worker, pending: new Map(), alive: true };
    this.#slots.push(slot);
    worker.on('message', (message: FromWorker) => {
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
    for (const s of this.#slots) if (s.alive && (!slot || s.pending.size < slot.pending.size)) slot = s;
    if (!slot || (this.#mainAudits && this.#here <= slot.pending.size)) {
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
