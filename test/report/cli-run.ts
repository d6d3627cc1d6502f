import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'redfort.mjs');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds bin/redfort.mjs's bundle from the sources under test. */
export async function build(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 60_000 });
}

/** Runs the built CLI with a clean environment (no REDISCLI_AUTH or colour settings from the caller). */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return runNode([BIN, ...args], options);
}

/** Runs node with these arguments in a clean environment; killed after 30 s. */
export function runNode(nodeArgs: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env = { ...process.env };
  for (const name of ['REDISCLI_AUTH', 'NO_COLOR', 'FORCE_COLOR']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs], { cwd: options.cwd ?? ROOT, env: { ...env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
