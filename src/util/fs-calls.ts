import { lstat as lstatCallback, stat as statCallback } from 'node:fs';
import type { Stats } from 'node:fs';

/**
 * One file-system call through the callback API, as a promise. fs/promises wraps each descriptor in a FileHandle
 * and each call in more promises: a fleet makes a few dozen calls per local target, and each one through it cost
 * about twice the CPU of the same system call made this way (most of it locking and waking libuv's threads).
 */
export function settled<T>(call: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

/** `fs.promises.stat`, through the callback API (see {@link settled}). */
export function statOf(path: string): Promise<Stats> {
  return settled<Stats>((done) => statCallback(path, done));
}

/** `fs.promises.lstat`, through the callback API (see {@link settled}). */
export function lstatOf(path: string): Promise<Stats> {
  return settled<Stats>((done) => lstatCallback(path, done));
}
