/** A timer made by {@link lateTimeout}. */
export interface LateTimer {
  /** Stops it, whether it has come due or not: `fire` will not run. */
  cancel(): void;
}

/**
 * A timeout on a wait for the network. When it comes due, the reads the event loop has pending run first (`fire`
 * is put off by one setImmediate, which runs after the loop's I/O phase): after a busy stretch (a fleet judging a
 * large target), timers run before sockets are read, and a reply or a connection that came in time would be failed.
 * Whatever settles the wait meanwhile cancels the timer, and `fire` does not run.
 */
export function lateTimeout(fire: () => void, ms: number): LateTimer {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(fire);
  }, ms);
  return {
    cancel() {
      clearTimeout(timer);
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}
