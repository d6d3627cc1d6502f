import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { stopAll } from '../harness/servers.ts';

export interface HardenRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `redfort <args>` in this process (one at a time: it borrows stdout and stderr). Only strings are captured:
 * the test runner's own events reach the parent process through this stdout as buffers, and must pass.
 */
export function redfort(args: readonly string[]): Promise<HardenRun> {
  const run = queue.then(async () => {
    let stdout = '';
    let stderr = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => (typeof chunk === 'string' ? ((stdout += chunk), true) : (out as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => (typeof chunk === 'string' ? ((stderr += chunk), true) : (err as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stderr.write;
    const before = process.exitCode;
    process.exitCode = undefined;
    try {
      await main(args);
      return { code: Number(process.exitCode ?? 0), stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      process.exitCode = before;
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Every file under a directory, relative paths. */
export function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

/** The passwords of a credentials.env (of the users named, when given). */
export function passwordsIn(path: string, users?: readonly string[]): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_') && (users === undefined || users.some((u) => l.startsWith(`REDFORT_PASSWORD_${u}=`)))).map((l) => l.slice(l.indexOf('=') + 1));
}

/**
 * A temporary directory and, for root, one under /opt (outside /tmp and the homes: where only root may change a
 * program, as /usr/local; undefined otherwise), both removed after the file's tests, with the servers they started.
 */
export function scratchDirs(name: string): { readonly work: string; readonly opt: string | undefined } {
  const work = mkdtempSync(join(tmpdir(), `redfort-harden-${name}-`));
  const opt = process.getuid?.() === 0 && existsSync('/opt') ? mkdtempSync(`/opt/redfort-test-${name}-`) : undefined;
  after(async () => {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
    if (opt) rmSync(opt, { recursive: true, force: true });
  });
  return { work, opt };
}
