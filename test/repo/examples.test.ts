import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, ROOT } from '../report/cli-run.ts';
import { freePort } from '../harness/servers.ts';

// Issue 11, examples/: `npm run example` as a new user runs it. The hardened server passes what it can pass on
// this host (what it cannot is explained in examples/README.md), and run.sh audits only servers it started.
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** examples/run.sh on the given ports; stopped with SIGTERM (its trap stops its servers) if it hangs. */
function runExample(ports: { legacy: number; hardened: number }, tmp: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, REDFORT_EXAMPLE_LEGACY_PORT: String(ports.legacy), REDFORT_EXAMPLE_HARDENED_PORT: String(ports.hardened) };
    delete env['REDISCLI_AUTH'];
    const child = spawn('bash', [join(ROOT, 'examples', 'run.sh'), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface JsonTarget {
  readonly target: string;
  readonly error?: string;
  readonly results: readonly { readonly ruleId: string; readonly status: string; readonly message: string }[];
}

describe('examples/run.sh', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'redfort-examples-'));
  before(build);
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('audits its two servers; the hardened one fails none of the file-mode rules, and every rule it still fails is explained in examples/README.md', async () => {
    const ports = { legacy: await freePort(), hardened: await freePort() };
    const run = await runExample(ports, tmp, ['--format', 'json']);
    // QA40-57: the report alone on standard output, the status line on standard error, and redfort's exit code.
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /redfort exited with 1 /);
    assert.doesNotMatch(run.stdout, /redfort exited/);
    // The demo gives its passwords through the environment: redfort's warning of a password on the command line
    // was the example's own making.
    assert.doesNotMatch(run.stderr, /password on the command line/);
    const report = JSON.parse(run.stdout) as { targets: JsonTarget[] };
    const hardened = report.targets.find((t) => t.target.endsWith(`:${ports.hardened}`));
    assert.ok(hardened, report.targets.map((t) => t.target).join(', '));
    assert.equal(hardened.error, undefined);
    const failing = new Set(hardened.results.filter((r) => r.status === 'fail').map((r) => r.ruleId));
    for (const id of ['host.config-file-permissions', 'host.data-file-permissions', 'auth.no-authentication', 'auth.default-user-enabled', 'auth.dangerous-commands-allowed', 'network.bind-all-interfaces']) {
      assert.equal(failing.has(id), false, `${id}: ${hardened.results.filter((r) => r.ruleId === id).map((r) => r.message).join('; ')}`);
    }
    const readme = readFileSync(join(ROOT, 'examples', 'README.md'), 'utf8');
    for (const id of failing) assert.ok(readme.includes(`\`${id}\``), `examples/README.md does not explain why the hardened server fails ${id}`);
    assert.deepEqual(readdirSync(tmp), [], 'run.sh removes its folder');
  });

  it('refuses to audit when another process holds one of its ports', async () => {
    const squatter = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('-ERR not the example\r\n');
    });
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (squatter.address() as net.AddressInfo).port;
      const run = await runExample({ legacy: await freePort(), hardened: taken }, tmp, []);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stderr, new RegExp(`example: port ${taken} is already in use by another process`));
      assert.doesNotMatch(run.stdout + run.stderr, /redfort exited/, 'no audit ran');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('says so when one of its servers does not start, instead of ending silently', async () => {
    // A listener on 127.0.0.2 leaves 127.0.0.1's port free for the ownership check, but the legacy server binds
    // 0.0.0.0 and cannot start (EADDRINUSE): no answer, so no process_id to read.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.2', resolve));
    try {
      const blocked = (blocker.address() as net.AddressInfo).port;
      const run = await runExample({ legacy: blocked, hardened: await freePort() }, tmp, []);
      assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, /^example: a server of the example did not start \(see its log below\)\n/);
      assert.match(run.stderr, new RegExp(`Could not create server TCP listening socket 0\\.0\\.0\\.0:${blocked}`));
      assert.doesNotMatch(run.stdout + run.stderr, /redfort exited/, 'no audit ran');
      assert.deepEqual(readdirSync(tmp), [], 'run.sh removes its folder');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('examples/prometheus/run.sh', () => {
  before(build);

  it("moves the exporter's allowlist and its hint with REDFORT_EXAMPLE_*_PORT and --listen (QA40-50)", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'redfort-examples-exporter-'));
    const ports = { legacy: await freePort(), hardened: await freePort(), listen: await freePort() };
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, REDFORT_EXAMPLE_LEGACY_PORT: String(ports.legacy), REDFORT_EXAMPLE_HARDENED_PORT: String(ports.hardened) };
    const child = spawn('bash', [join(ROOT, 'examples', 'prometheus', 'run.sh'), '--listen', `127.0.0.1:${ports.listen}`], { cwd: ROOT, env, detached: true });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const closed = new Promise((resolve) => child.once('close', resolve));
    try {
      const deadline = Date.now() + 60_000;
      let answer: { status: number; body: string } | undefined;
      while (Date.now() < deadline && answer?.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        answer = await fetch(`http://127.0.0.1:${ports.listen}/probe?target=127.0.0.1:${ports.legacy}&module=legacy`)
          .then(async (r) => ({ status: r.status, body: await r.text() }))
          .catch(() => undefined);
        if (answer?.status === 403) break;
      }
      assert.equal(answer?.status, 200, `${answer?.body}\n${stdout}`);
      assert.match(answer!.body, /^redfort_probe_success 1$/m);
      assert.ok(stdout.includes(`exporter on http://127.0.0.1:${ports.listen} (try: curl 'http://127.0.0.1:${ports.listen}/probe?target=127.0.0.1:${ports.legacy}&module=legacy')`), stdout);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
