import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** The longest it polls (default 20 s). */
  readonly timeoutMs?: number;
  /** Between two checks (default 100 ms). */
  readonly intervalMs?: number;
  /** More to say when it gives up (a server's log tail). */
  readonly detail?: () => string;
}

/**
 * Polls `check` until it returns a value other than `false` or `undefined` (an error counts as not yet) and returns
 * that value; after `timeoutMs`, throws `timed out after N ms waiting for WHAT (last error: …)`. The one poll of the
 * test helpers (servers coming up, replicas syncing, gossip spreading, Prometheus scraping).
 */
export async function eventually<T>(what: string, check: () => Promise<T | false | undefined>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 100, detail } = options;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
    } catch (error) {
      last = ` (last error: ${error instanceof Error ? error.message : String(error)})`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${detail ? `\n${detail()}` : ''}`);
    await sleep(intervalMs);
  }
}
