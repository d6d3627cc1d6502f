import { setMaxListeners } from 'node:events';

/** The reason a target's signal carries when its time is up; its message is what the report shows. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export interface DeadlineOptions {
  /** The caller's signal: aborting it stops every target still running. */
  readonly signal?: AbortSignal | undefined;
  /** An absolute time (epoch ms or Date) by which the whole run must end. */
  readonly deadline?: number | Date | undefined;
  /** How long one target may take, everything included (connect, commands, files, host, probes). */
  readonly targetTimeoutMs?: number | undefined;
}

/**
 * One target's signal: aborted when the caller's signal aborts, when the run's deadline passes or when the
 * target's own time is up, whichever comes first. `dispose` frees the timer and the listener. `what` names the
 * target in the reason (a deployment's seed and nodes share one signal: `cluster redis://… (the seed and …)`).
 */
export function targetSignal(options: DeadlineOptions, what = 'this target'): { signal: AbortSignal | undefined; dispose(): void } {
  const { signal: parent, targetTimeoutMs } = options;
  const deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  if (!parent && deadline === undefined && targetTimeoutMs === undefined) return { signal: undefined, dispose() {} };
  const controller = new AbortController();
  // A deployment's signal is every node's (16 at a time, each with its connection's and its stages' listeners): past
  // Node's 10 listeners it printed a MaxListenersExceededWarning on stderr. Each listener is removed when done.
  setMaxListeners(0, controller.signal);
  const timers: NodeJS.Timeout[] = [];
  const abort = (reason: unknown): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParent = (): void => abort(parent!.reason);
  if (parent?.aborted) abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  if (targetTimeoutMs !== undefined) {
    timers.push(setTimeout(() => abort(new DeadlineError(`the audit of ${what} took longer than its ${targetTimeoutMs} ms (--target-timeout)`)), targetTimeoutMs));
  }
  if (deadline !== undefined) {
    timers.push(setTimeout(() => abort(new DeadlineError(`the run's deadline (${new Date(deadline).toISOString()}) passed`)), Math.max(0, deadline - Date.now())));
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** What an aborted signal says: its reason's message (a deadline names itself), else `aborted`. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'the audit was aborted';
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts: a step that ignores the signal
 * (a stuck system call) cannot hold the target past its deadline.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
