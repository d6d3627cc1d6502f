/**
 * With `set-proc-title yes` (the default since 6.2) the server overwrites its arguments with its title,
 * `redis-server 127.0.0.1:6379`, padded with NULs: the original arguments are gone.
 */
export function titleRewritten(args: readonly string[]): boolean {
  return args.length >= 1 && /\s/.test(args[0]!) && args.slice(1).every((a) => a === '');
}
