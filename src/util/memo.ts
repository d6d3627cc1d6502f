/**
 * A cache of answers by key for one run: `once(key, make)` calls `make` the first time `key` is asked and hands
 * every later caller the same answer (a promise, so callers that ask while it is under way share it).
 */
export function memo<K, V>(): (key: K, make: () => V) => V {
  const cache = new Map<K, V>();
  return (key, make) => {
    if (cache.has(key)) return cache.get(key)!;
    const value = make();
    cache.set(key, value);
    return value;
  };
}

/**
 * As {@link memo}, for work its callers may give up on (a target's deadline): `make` gets a signal that aborts once
 * every caller has given up (each asked with a signal that aborted, none without one) before the work is done; the
 * work is then forgotten, so that a later caller starts it anew. `abandon()` aborts whatever is still under way
 * (the run is over). What the signal stops is the caller's to say: host facts kill the programs they run.
 */
export function abandonableMemo<K, V>(): {
  (key: K, make: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V>;
  abandon(): void;
} {
  const cache = new Map<K, { readonly value: Promise<V>; readonly controller: AbortController; waiting: number; done: boolean }>();
  const once = (key: K, make: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> => {
    let entry = cache.get(key);
    if (!entry) {
      const controller = new AbortController();
      const made = { value: make(controller.signal), controller, waiting: 0, done: false };
      made.value.then(
        () => (made.done = true),
        () => (made.done = true),
      );
      cache.set(key, (entry = made));
    }
    const shared = entry;
    // Work already done is never aborted nor forgotten: its callers need not be counted, nor listened to (a fleet's
    // targets ask the run's firewall and package, done after the first few, some three listeners a target).
    if (shared.done) return shared.value;
    if (!signal) shared.waiting = Number.POSITIVE_INFINITY;
    else if (!signal.aborted) {
      shared.waiting += 1;
      signal.addEventListener(
        'abort',
        () => {
          shared.waiting -= 1;
          if (shared.waiting > 0 || shared.done) return;
          shared.controller.abort(signal.reason);
          if (cache.get(key) === shared) cache.delete(key);
        },
        { once: true },
      );
    }
    return shared.value;
  };
  return Object.assign(once, {
    abandon: () => {
      for (const entry of cache.values()) if (!entry.done) entry.controller.abort(new Error('the run is over'));
    },
  });
}
