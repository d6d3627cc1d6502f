import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'redfort.mjs');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Checks that bin/redfort.mjs's bundle is built from the sources under test. The test command builds it once
 * (`npm run build`) before any test runs; test files never rebuild it, so that two of them running side by
 * side never write dist/ at the same moment.
 */
export async function build(): Promise<void> {
  // The CLI's code (dist/cli.cjs is its small entry); its code cache is written after it.
  const bundle = join(ROOT, 'dist', 'cli-main.cjs');
  const built = await stat(bundle).then((s) => s.mtimeMs, () => undefined);
  if (built === undefined) throw new Error(`${bundle} is missing: run 'npm run build' first (npm test does)`);
  const newest = await newestMtime(join(ROOT, 'src'));
  if (newest > built) throw new Error(`${bundle} is older than src/: run 'npm run build' first (npm test does)`);
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /**
   * When a run that has not ended is killed (default 60 s): a guard against a hang, not a measure of speed. A run
   * whose work is CPU-bound and large (a fleet of 200 targets) may take it on a loaded 2-core machine.
   */
  readonly killAfterMs?: number;
}

/** Runs the built CLI with a clean environment (no REDISCLI_AUTH or colour settings from the caller). */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return runNode([BIN, ...args], options);
}

/** Runs node with these arguments in a clean environment; killed after 60 s (a loaded 2-core machine is slow) unless told otherwise. */
export function runNode(nodeArgs: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const env = { ...process.env };
  for (const name of ['REDISCLI_AUTH', 'NO_COLOR', 'FORCE_COLOR']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs], { cwd: options.cwd ?? ROOT, env: { ...env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the built CLI under bash with its standard output sent to `stdoutTo` (`>/dev/full`, `| head -c 10`) and its
 * stderr to a file of `dir`: bash's output is what `stdoutTo` leaves on it, then ` EXIT` (the CLI's own exit code),
 * a newline, and the CLI's stderr. The caller's environment is kept (these tests pass no secrets).
 */
export async function runRedirected(args: readonly string[], dir: string, stdoutTo: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const script = `node '${BIN}' ${quoted} 2>"$1" ${stdoutTo}; echo " \${PIPESTATUS[0]}"; cat "$1"`;
  const errFile = join(dir, `${args.join('_').replace(/\W/g, '_')}.err`);
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script, 'bash', errFile], { timeout: 120_000, cwd: dir }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** What {@link oneServerFleet} sets up: a running redis-server, a temporary directory, and a fleet file naming it. */
export interface OneServerFleet {
  server: import('../harness/servers.ts').RunningServer;
  dir: string;
  inventory: string;
}

/**
 * Registers, in the calling describe, the before/after of one redis-server (no password), a temporary directory
 * (`prefix`) and a one-line fleet file of the server in it; the fields are set once `before` has run.
 */
export function oneServerFleet(prefix: string): OneServerFleet {
  const fleet = {} as OneServerFleet;
  before(async () => {
    await build();
    fleet.dir = await mkdtemp(join(tmpdir(), prefix));
    fleet.server = await startRedis();
    fleet.inventory = join(fleet.dir, 'fleet.txt');
    await writeFile(fleet.inventory, `redis://127.0.0.1:${fleet.server.port}\n`);
  });
  after(async () => {
    await stopAll();
    if (fleet.dir) await rm(fleet.dir, { recursive: true, force: true });
  });
  return fleet;
}
