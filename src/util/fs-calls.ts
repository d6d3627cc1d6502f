import { lstatSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';

/**
 * One file-system call through the callback API, as a promise. fs/promises wraps each descriptor in a FileHandle
 * and each call in more promises: a fleet makes a few dozen calls per local target, and each one through it cost
 * about twice the CPU of the same system call made this way (most of it locking and waking libuv's threads).
 */
export function settled<T>(call: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * A metadata call made synchronously, its answer (or error) as a settled promise. stat and lstat of a local path
 * are answered from the kernel's caches in a few microseconds; the asynchronous call is a trip through libuv's
 * threads (a lock, a futex wake and an event-loop wake-up) that costs 3 to 5 times the CPU, made some fifteen
 * times per local target of a fleet. A path on a hung network mount blocks either way: the asynchronous call held
 * one of libuv's four threads, and the pending request kept the process from ending.
 */
function now<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** `fs.promises.stat`, answered synchronously (see {@link now}). */
export function statOf(path: string): Promise<Stats> {
  return now(() => statSync(path));
}

/** `fs.promises.lstat`, answered synchronously (see {@link now}). */
export function lstatOf(path: string): Promise<Stats> {
  return now(() => lstatSync(path));
}
