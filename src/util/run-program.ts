import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { loadBuiltin } from './builtin.ts';
import { PROGRAM_TIMEOUT_MS } from './defaults.ts';

/** Where system tools live even when PATH leaves them out (a non-root user's PATH often has no sbin). */
const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin'];

/**
 * The executable `name` on PATH or in the system directories, or undefined when there is none. Each directory is
 * asked with a synchronous access(2), a lookup in the kernel's cache of names: a local audit looks for four
 * programs that are often absent (nft, iptables-save, ip6tables-save, logrotate), each in a dozen directories, and
 * those 45 calls one after another through libuv's threads took 4 to 17 ms and 5.5 ms of CPU in a cold process under
 * load, against 1.3 ms and 2.8 ms of CPU this way.
 */
export async function findProgram(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_DIRS];
  for (const dir of new Set(dirs.filter((d) => d !== ''))) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here, or not executable
    }
  }
  return undefined;
}

export interface RunProgramOptions {
  /** Default {@link PROGRAM_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Bound on stdout and stderr each; default Node's (1 MiB). */
  readonly maxBuffer?: number;
  /** Added to the environment, after `LC_ALL=C` (messages and numbers in the C locale, whatever the user's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kills the program (SIGKILL) when it aborts: the targets that wait for it have given up. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Why a program that ran gave no answer: the audit gave up waiting for it (its signal), it ran past its timeout, its
 * output passed maxBuffer, or a signal killed it. What it printed is then no answer at all (a package query cut
 * short is not "no package owns it"): a reader says what it could not read, with {@link notRead}.
 */
export type Stopped = 'abandoned' | 'timeout' | 'output-cut' | 'killed';

export type ProgramResult =
  | { readonly ok: true; readonly stdout: string }
  | {
      readonly ok: false;
      /** What it printed before it failed. */
      readonly stdout: string;
      /** The first line of its stderr, else the error (at most 200 characters); when stopped, why in words. */
      readonly error: string;
      /** True when the program is not there (ENOENT). */
      readonly missing: boolean;
      /** Set only when the program gave no answer (see Stopped); a program that exits non-zero answered. */
      readonly stopped?: Stopped;
    };

/** A reader's skip reason for a program that gave no answer: `the packet filter was not read: …`. */
export function notRead(what: string, result: { readonly error: string }): string {
  return `${what} was not read: ${result.error}`;
}

/** Runs a program (no shell) within a timeout; never throws. */
export function runProgram(path: string, args: readonly string[], options: RunProgramOptions = {}): Promise<ProgramResult> {
  // Nobody waits for its answer any more: not started.
  if (options.signal?.aborted) return Promise.resolve(stopped('', 'abandoned', ABANDONED));
  // node:child_process (with dgram, which it loads) only when a program is run.
  const { execFile } = loadBuiltin<typeof import('node:child_process')>('node:child_process');
  const timeoutMs = options.timeoutMs ?? PROGRAM_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      path,
      args,
      {
        timeout: timeoutMs,
        // A read-only query: nothing to let it finish; a program that ignores SIGTERM must not outlive the run.
        killSignal: 'SIGKILL',
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.maxBuffer !== undefined ? { maxBuffer: options.maxBuffer } : {}),
        env: { ...process.env, LC_ALL: 'C', ...options.env },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, stdout: String(stdout) });
        const out = String(stdout ?? '');
        const e = error as { code?: unknown; killed?: boolean; signal?: NodeJS.Signals | null };
        if (e.code === 'ABORT_ERR') return resolve(stopped(out, 'abandoned', ABANDONED));
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve(stopped(out, 'output-cut', `its output passed ${options.maxBuffer ?? NODE_MAX_BUFFER} bytes and was cut`));
        if (e.killed) return resolve(stopped(out, 'timeout', `it did not finish within ${timeoutMs / 1000} s`));
        if (e.signal) return resolve(stopped(out, 'killed', `it was killed (${e.signal})`));
        resolve({
          ok: false,
          stdout: out,
          error: (String(stderr ?? '').trim().split('\n')[0] || error.message).slice(0, 200),
          missing: e.code === 'ENOENT',
        });
      },
    );
  });
}

/** execFile's default bound on stdout and stderr. */
const NODE_MAX_BUFFER = 1024 * 1024;

const ABANDONED = 'the audit gave up waiting for it';

function stopped(stdout: string, why: Stopped, error: string): ProgramResult {
  return { ok: false, stdout, error, missing: false, stopped: why };
}
