import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/fix/apply.ts';
import type { ApplyOptions, ApplyOutcome } from '../../src/fix/apply.ts';
import { gatherFixState } from '../../src/fix/gather.ts';
import type { FixGatherOptions, FixState } from '../../src/fix/gather.ts';
import { buildPlan } from '../../src/fix/plan.ts';
import { fixUsers } from '../../src/fix/profile.ts';
import { generatePassword } from '../../src/profile/index.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import type { FixPlan, StepClass } from '../../src/fix/types.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Target, TargetFlags } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { eventually } from '../harness/wait.ts';
import { startRedis, startReplica, startSentinels } from '../harness/servers.ts';
import type { RunningServer, SentinelOptions } from '../harness/servers.ts';
import { runCli } from '../report/cli-run.ts';

export const USERS = fixUsers();
// No host facts: fix closes no host rule, and reading the host (processes, firewall, packages) is the slow part on a busy machine.
export const OPTIONS: FixGatherOptions = { noProbe: false, noHost: true, connectTimeoutMs: 5000, commandTimeoutMs: 10_000 };

export function target(url: string, flags: TargetFlags = {}): Target {
  return resolveTarget(url, flags, {});
}

export async function state(seed: Target, options: FixGatherOptions = {}): Promise<FixState> {
  const gathered = await gatherFixState(seed, { ...OPTIONS, ...options });
  assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
  return gathered.state;
}

export function plan(s: FixState, seed: Target): FixPlan {
  return buildPlan({ target: seed.display, deployment: s.deployment, nodes: s.nodes, deploymentResults: s.deploymentResults?.results });
}

export function secretsFor(p: FixPlan, known: Map<string, string> = new Map()): Map<string, string> {
  for (const u of p.secrets) if (!known.has(u)) known.set(u, generatePassword());
  return known;
}

const workDirs: string[] = [];
// Rollback records hold the servers' former settings, passwords included: none is left behind in /tmp.
process.once('exit', () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory for rollback files, removed when the test file's process ends. */
/**
 * Waits until nothing listens on `server`'s port any more: a SIGKILL takes effect when the kernel gets to it, which on a
 * loaded machine may be later than a fixed pause.
 */
export async function untilRefused(server: RunningServer): Promise<void> {
  await eventually(`${server.host}:${server.port} to refuse connections`, () => new Promise<boolean>((resolve) => {
    const socket = net.connect(server.port, server.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  }));
}

export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-fix-test-'));
  workDirs.push(dir);
  return dir;
}

export async function apply(p: FixPlan, s: FixState, classes: StepClass[], extra: Partial<ApplyOptions> & { secrets: Map<string, string>; rollbackFile: string }): Promise<ApplyOutcome> {
  const { secrets, rollbackFile, ...rest } = extra;
  let earlierRecord;
  try {
    earlierRecord = await readRollback(rollbackFile);
  } catch {
    earlierRecord = undefined;
  }
  return applyPlan(p, s, { ...OPTIONS, classes: new Set(classes), secrets, users: USERS, rollbackFile, earlierRecord, ...rest });
}

/** A rule's worst status on one node of a state. */
export function status(s: FixState, address: string, rule: string): string | undefined {
  const results = s.nodes.find((n) => n.address === address)?.results.filter((r) => r.ruleId === rule) ?? [];
  if (results.length === 0) return undefined;
  return results.some((r) => r.status === 'fail') ? 'fail' : results[0]!.status;
}

export interface Snapshot {
  readonly config: string;
  readonly acl: string;
  readonly mode: number;
}

/** CONFIG GET *, ACL LIST and the config file's mode: what a rollback must give back. */
export async function snapshot(server: RunningServer, auth: { user?: string; password?: string } = {}): Promise<Snapshot> {
  const opts = { ...auth, timeoutMs: 5000 };
  const config = (await rawCommand(server.host, server.port, ['CONFIG', 'GET', '*'], opts)) as string[];
  const pairs: string[] = [];
  for (let i = 0; i + 1 < config.length; i += 2) pairs.push(`${config[i]}=${config[i + 1]}`);
  const acl = (await rawCommand(server.host, server.port, ['ACL', 'LIST'], opts)) as string[];
  return { config: pairs.sort().join('\n'), acl: [...acl].sort().join('\n'), mode: statSync(server.confPath).mode & 0o777 };
}

export function address(server: RunningServer): string {
  return `${server.host}:${server.port}`;
}

/** What the tests read of the plan `redfort fix --plan --format json` prints. */
export interface CliPlan {
  readonly steps: readonly { readonly class: string; readonly node: string; readonly command: readonly unknown[]; readonly rules: readonly string[] }[];
  readonly manual: readonly { readonly node: string; readonly rule: string; readonly message: string }[];
}

/** `redfort fix ARGS` (a --plan with --format json): its plan, once the command has exited 0. */
export async function cliPlan(args: readonly string[], options: Parameters<typeof runCli>[1]): Promise<CliPlan> {
  const planned = await runCli(['fix', ...args], options);
  assert.equal(planned.code, 0, planned.stderr);
  return JSON.parse(planned.stdout) as CliPlan;
}

/** Each step's command as one line, a secret as `<secret>`. */
export function planCommands(p: CliPlan): string[] {
  return p.steps.map((s) => s.command.map((a) => (typeof a === 'string' ? a : '<secret>')).join(' '));
}

/** The by-hand item of `rule`'s message, or ''. */
export function manualFor(p: CliPlan, rule: string): string {
  return p.manual.find((m) => m.rule === rule)?.message ?? '';
}

/** A master with `password` (also its masterauth), a replica of it and one sentinel watching them. */
/**
 * A master and replica with `password`, and three sentinels (`sentinelConf` added to theirs), returned once every
 * sentinel knows the other two and the replica: a plan made before then misses some of them.
 */
export async function startWatchedGroup(password: string, sentinelConf: string): Promise<{ master: RunningServer; replica: RunningServer; sentinels: RunningServer[] }> {
  const master = await startRedis({ conf: `requirepass ${password}\nmasterauth ${password}\nloglevel warning`, password });
  const replica = await startReplica(master, { masterauth: password, conf: `requirepass ${password}`, password });
  const sentinels = await startSentinels(3, master, { authPass: password, conf: sentinelConf });
  // Waits as long as it takes, and says so when it gives up (it stopped after 150 tries, silently).
  await eventually('each sentinel to know the two others and the replica', async () => {
    const seen = await Promise.all(sentinels.map(async (s) => {
      const m = (await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', 'mymaster'])) as string[];
      return Number(m[m.indexOf('num-other-sentinels') + 1]) === 2 && Number(m[m.indexOf('num-slaves') + 1]) === 1;
    }));
    return seen.every(Boolean);
  }, { timeoutMs: 30_000 });
  return { master, replica, sentinels };
}

export async function startSentinelGroup(password: string, options: SentinelOptions = {}): Promise<{ master: RunningServer; replica: RunningServer; sentinel: RunningServer }> {
  const master = await startRedis({ conf: `requirepass ${password}\nmasterauth ${password}`, password });
  const replica = await startReplica(master, { masterauth: password, conf: `requirepass ${password}`, password });
  const sentinel = (await startSentinels(1, master, { authPass: password, ...options }))[0]!;
  return { master, replica, sentinel };
}
