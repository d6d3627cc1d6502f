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
