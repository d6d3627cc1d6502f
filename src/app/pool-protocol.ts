import type { AuditOptions } from './audit.ts';
import type { HostAsk } from './shared-host.ts';
import type { Finished, Finishing } from './fleet.ts';
import type { PortableTarget } from '../redis/target.ts';

/** What an audit worker thread starts with (its `workerData`): the run's options, as plain data. */
export interface PoolInit {
  /** The run's options without what cannot cross to a thread (its host discovery, signal, callbacks). */
  readonly options: AuditOptions;
  /** What becomes of each result before it crosses back. */
  readonly finishing: Finishing;
  /** The run has a signal: the worker makes its own, aborted when the main thread says so. */
  readonly abortable: boolean;
}

/** Main thread to worker. */
export type ToWorker =
  | { readonly type: 'audit'; readonly id: number; readonly target: PortableTarget; readonly labels?: Readonly<Record<string, string>> }
  | { readonly type: 'answer'; readonly id: number; readonly value?: unknown; readonly error?: string }
  /** The run's signal aborted; `message`, the reason's own words when it has some (a deadline names itself). */
  | { readonly type: 'abort'; readonly message: string | undefined };

/** Worker to main thread. */
export type FromWorker =
  /** Loaded and listening: from now on the worker takes targets (before, the main thread takes them when it audits). */
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly finished: Finished }
  /** The audit threw (it never should): the target is an error, the others go on. */
  | { readonly type: 'failed'; readonly id: number; readonly error: string }
  | { readonly type: 'ask'; readonly id: number; readonly ask: HostAsk };
