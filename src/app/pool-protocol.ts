import type { AuditOptions } from './audit.ts';
import type { HostAsk } from './shared-host.ts';
import type { Finished, Finishing } from './fleet.ts';
import type { PortableTarget } from '../redis/target.ts';

/** A target the pool's threads share: its position in the queue is its claim's index (src/app/pool.ts Claims). */
export interface QueuedTarget {
  readonly target: PortableTarget;
  readonly labels?: Readonly<Record<string, string>>;
}

/** What an audit worker thread starts with (its `workerData`): the run's options, as plain data, and its queue. */
export interface PoolInit {
  /** The run's options without what cannot cross to a thread (its host discovery, signal, callbacks). */
  readonly options: AuditOptions;
  /** What becomes of each result before it crosses back. */
  readonly finishing: Finishing;
  /** The run has a signal: the worker makes its own, aborted when the main thread says so. */
  readonly abortable: boolean;
  /** The targets every thread of the pool takes from, in the fleet's order. */
  readonly queue: readonly QueuedTarget[];
  /** The claims on the queue, shared by the threads (src/app/pool.ts Claims). */
  readonly claims: SharedArrayBuffer;
  /** This worker's mark on what it claims (the main thread's is 1). */
  readonly id: number;
  /** Targets this worker audits at once. */
  readonly concurrency: number;
  /**
   * The process runs under the fleet V8 flags, which the CLI's entry set before any JS of the run (src/cli/start.ts,
   * src/app/pool-offer.ts fleetV8Flags): the CLI's worker loads the code cache made under them, else the other one
   * (src/cli/worker.ts). A worker never sets them: V8's flags are the process's, and the main thread is running.
   */
  readonly fleetV8Flags: boolean;
  /**
   * The main thread records the files its run reads (src/util/read-file.ts recordReads: no report is written over
   * one): the worker sends each file it reads (a local target's redis.conf, its ACL file) as a `reads` message.
   */
  readonly recordReads?: boolean;
}

/** Main thread to worker. */
export type ToWorker =
  /** To a worker started early (`{ early: true }` as its workerData: src/cli/early-pool.ts): its run's data. */
  | { readonly type: 'init'; readonly init: PoolInit }
  | { readonly type: 'answer'; readonly id: number; readonly value?: unknown; readonly error?: string }
  /** The run's signal aborted; `message`, the reason's own words when it has some (a deadline names itself). */
  | { readonly type: 'abort'; readonly message: string | undefined };

/** Worker to main thread. */
export type FromWorker =
  /** The target at `position` of the queue, audited and finished. */
  | { readonly type: 'done'; readonly position: number; readonly finished: Finished }
  /** The audit threw (it never should): the target is an error, the others go on. */
  | { readonly type: 'failed'; readonly position: number; readonly error: string }
  | { readonly type: 'ask'; readonly id: number; readonly ask: HostAsk }
  /** Files the worker read (device:inode, the path it was read by), each once, as it reads them (see PoolInit.recordReads). */
  | { readonly type: 'reads'; readonly files: readonly (readonly [key: string, path: string])[] };
