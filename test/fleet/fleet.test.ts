import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePorts, recordReplies, startFakeFleet } from '../../bench/fleet-servers.mjs';
import { auditCommands } from '../../src/gather/live/gather-live.ts';
import { startCluster, startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, ROOT, runCli } from '../report/cli-run.ts';

// Passwords no report, log line or error may ever show.
const PW_DEFAULT = 'fleet-default-Zq81xW';
const PW_AUDIT2 = 'fleet-audit2-Kp44vT';
const PW_INLINE = 'fleet-inline-Mm90eR';

let dir: string;
let a: RunningServer;
let b: RunningServer;
let c: RunningServer;
let fakes: { ports: number[]; stop(): Promise<void> } | undefined;

before(async () => {
  await build();
  dir = await mkdtemp(join(tmpdir(), 'redfort-fleet-'));
  [a, b, c] = await Promise.all([
    startRedis({ conf: `requirepass ${PW_DEFAULT}`, password: PW_DEFAULT }),
    startRedis({ conf: `user default off\nuser audit2 on >${PW_AUDIT2} ~* &* +@all`, username: 'audit2', password: PW_AUDIT2 }),
    startRedis({ conf: `user default on >${PW_INLINE} ~* &* +@all`, password: PW_INLINE }),
  ]);
});

after(async () => {
  await fakes?.stop();
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('redfort audit --targets with per-target credentials', () => {
  it('audits each server as its own user, reports labels in every format and leaks no password', async () => {
    await writeFile(join(dir, 'payments.pw'), `${PW_AUDIT2}\n`, { mode: 0o600 });
    const inventory = join(dir, 'fleet.yaml');
    await writeFile(
      inventory,
      [
        'defaults: { passwordEnv: FLEET_DEFAULT_PW, labels: { env: prod } }',
        'groups:',
        '  payments: { user: audit2, passwordFile: payments.pw, labels: { team: payments } }',
        'targets:',
        `  - { url: "redis://127.0.0.1:${a.port}", labels: { team: search } }`,
        `  - { url: "redis://127.0.0.1:${b.port}", group: payments }`,
        `  - url: redis://127.0.0.1:${c.port}`,
        `    password: ${PW_INLINE}`,
        '    labels: { env: staging, team: cache }',
        `  - { url: "redis://127.0.0.1:${a.port}/1", passwordEnv: FLEET_UNSET_PW }`,
        '',
      ].join('\n'),
    );
    const out = (f: string) => join(dir, f);
    const run = await runCli(
      ['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none',
        '-o', `json=${out('r.json')}`, '-o', `sarif=${out('r.sarif')}`, '-o', `html=${out('r.html')}`, '-o', `markdown=${out('r.md')}`,
        '-o', `junit=${out('r.xml')}`, '-o', `jsonl=${out('r.jsonl')}`],
      { env: { FLEET_DEFAULT_PW: PW_DEFAULT } },
    );
    // The target whose variable is unset fails alone, naming the line; the others are audited.
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /fleet\.yaml:10: passwordEnv names FLEET_UNSET_PW, which is not set/);
    assert.match(run.stderr, /fleet\.yaml:8: a password written in the inventory/);
    const report = JSON.parse(await readFile(out('r.json'), 'utf8')) as { targets: { target: string; error?: string; labels?: Record<string, string>; server?: unknown }[] };
    const byTarget = new Map(report.targets.map((t) => [t.target, t]));
    assert.deepEqual(byTarget.get(`redis://127.0.0.1:${a.port}`)?.labels, { env: 'prod', team: 'search' });
    assert.equal(byTarget.get(`redis://127.0.0.1:${a.port}`)?.error, undefined);
    assert.deepEqual(byTarget.get(`redis://audit2@127.0.0.1:${b.port}`)?.labels, { env: 'prod', team: 'payments' });
    assert.equal(byTarget.get(`redis://audit2@127.0.0.1:${b.port}`)?.error, undefined);
    assert.ok(byTarget.get(`redis://audit2@127.0.0.1:${b.port}`)?.server);
    assert.deepEqual(byTarget.get(`redis://127.0.0.1:${c.port}`)?.labels, { env: 'staging', team: 'cache' });
    assert.equal(byTarget.get(`redis://127.0.0.1:${c.port}`)?.error, undefined);
    assert.match(byTarget.get(`redis://127.0.0.1:${a.port}/1`)?.error ?? '', /FLEET_UNSET_PW/);

    const sarif = JSON.parse(await readFile(out('r.sarif'), 'utf8')) as { runs: { results: { properties: { target: string; labels?: Record<string, string> } }[] }[] };
    const labelled = sarif.runs[0]!.results.find((r) => r.properties.target === `redis://audit2@127.0.0.1:${b.port}`);
    assert.deepEqual(labelled?.properties.labels, { env: 'prod', team: 'payments' });
    const html = await readFile(out('r.html'), 'utf8');
    assert.match(html, /<select id="label"[^>]*>.*<option value="team=payments">/s);
    assert.match(html, /data-labels=" env=prod team=payments "/);
    assert.match(await readFile(out('r.md'), 'utf8'), /\| Labels \|[\s\S]*env=staging team=cache/);
    const lines = (await readFile(out('r.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; labels?: unknown });
    assert.equal(lines.filter((l) => l.type === 'target').length, 4);
    assert.equal(lines.at(-1)!.type, 'summary');
    // Each target line is the JSON report's target (kind, role, labels, each failure's fingerprint), with its type.
    for (const { type, ...line } of lines.filter((l) => l.type === 'target') as { type: string; target: string }[]) {
      assert.deepEqual(line, byTarget.get(line.target), line.target);
    }

    const everything = [run.stdout, run.stderr, ...(await Promise.all(['r.json', 'r.sarif', 'r.html', 'r.md', 'r.xml', 'r.jsonl'].map((f) => readFile(out(f), 'utf8'))))];
    for (const text of everything) {
      for (const secret of [PW_DEFAULT, PW_AUDIT2, PW_INLINE]) assert.ok(!text.includes(secret), `a password leaked: ${secret}`);
    }
  });

  it('writes the same JSON report to standard output as to a file, a dead target included', async () => {
    const inventory = join(dir, 'stdout.txt');
    const [dead] = await freePorts(1);
    await writeFile(inventory, `redis://127.0.0.1:${c.port}\nredis://127.0.0.1:${dead}\n`);
    const file = join(dir, 'stdout-twin.json');
    const common = ['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none'];
    const env = { env: { REDISCLI_AUTH: PW_INLINE } };
    const [run, twin] = await Promise.all([runCli([...common, '--format', 'json'], env), runCli([...common, '--quiet', '-o', `json=${file}`], env)]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(twin.code, 2, twin.stderr);
    const report = JSON.parse(run.stdout) as { targets: { error?: string }[] };
    assert.equal(report.targets.length, 2);
    assert.equal(report.targets.filter((t) => t.error !== undefined).length, 1, 'the dead target is an error, the other audited');
    assert.equal(run.stdout, await readFile(file, 'utf8'));
  });

  it('a reader that goes away in the middle of the JSON report ends the run with its exit code', async () => {
    // 320 dead targets make a report of some 8 MB, far more than a pipe holds: the reader takes one chunk and leaves.
    const [dead] = await freePorts(1);
    const list = join(dir, 'epipe.txt');
    const urls: string[] = [];
    for (let h = 1; h <= 20; h++) for (let db = 0; db < 16; db++) urls.push(`redis://127.0.0.${h}:${dead}/${db}`);
    await writeFile(list, `${urls.join('\n')}\n`);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.cjs'), 'audit', '--targets', list, '--no-host', '--no-probe', '--format', 'json', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const code = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString('utf8'))));
    child.stdout.destroy();
    assert.match(first, /^\{\n {2}"tool"/);
    assert.equal(await code, 2, `exit code: 2 (targets could not be audited); stderr: ${stderr}`);
  });

  it('a wrong password fails that target only', async () => {
    const inventory = join(dir, 'wrong.txt');
    await writeFile(inventory, `redis://:not-the-password@127.0.0.1:${a.port}\nredis://127.0.0.1:${c.port}\n`);
    const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--summary-only', '--fail-on', 'none']);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /ERROR +redis:\/\/127\.0\.0\.1:\d+ +.*(WRONGPASS|authentication failed)/);
    assert.ok(!run.stdout.includes('not-the-password') && !run.stderr.includes('not-the-password'));
  });

  it('a target that wants a password and got none: NOAUTH on its summary line, named on stderr, never ranked healthy', async () => {
    const inventory = join(dir, 'nocred.txt');
    await writeFile(inventory, `redis://127.0.0.1:${a.port}\nredis://:${PW_INLINE}@127.0.0.1:${c.port}\n`);
    const args = ['audit', '--targets', inventory, '--no-probe', '--no-host', '--summary-only', '--fail-on', 'none'];
    const run = await runCli(args);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Fleet: 2 targets, 0 not audited, 1 without credentials, \d+ with failures$/m);
    const blind = new RegExp(`^  NOAUTH +redis://127\\.0\\.0\\.1:${a.port} +no credentials: (\\d+) rules skipped`, 'm');
    const skipped = Number(blind.exec(run.stdout)?.[1]);
    assert.ok(skipped >= 20, run.stdout);
    // Among the targets not fully audited, before the one audited with its password.
    assert.ok(run.stdout.search(blind) < run.stdout.indexOf(`redis://127.0.0.1:${c.port}`), run.stdout);
    // (The other line is the inventory's own warning of its written password.)
    assert.deepEqual(run.stderr.trim().split('\n').filter((l) => !l.includes('a password written in the inventory')), [`redfort: warning: redis://127.0.0.1:${a.port}: no credentials were given: only what the network shows was audited; the rest is skipped (needs credentials: the server requires a password (give --user/--pass or REDISCLI_AUTH))`]);
    // Its rules that needed the password are skips with that reason, never passes.
    const json = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--format', 'json', '--fail-on', 'none']);
    const report = JSON.parse(json.stdout) as { targets: { target: string; results: { status: string; message: string }[] }[] };
    const target = report.targets.find((t) => t.target === `redis://127.0.0.1:${a.port}`)!;
    assert.equal(target.results.filter((r) => r.status === 'skip' && r.message.startsWith('needs credentials: the server requires a password')).length, skipped);
    // --quiet: the summary line still says it; stderr does not.
    const quiet = await runCli([...args, '--quiet']);
    assert.match(quiet.stdout, blind);
    assert.doesNotMatch(quiet.stderr, /no credentials/);
    assert.ok(!(run.stdout + run.stderr + json.stdout).includes(PW_INLINE));
  });

  it('a password that is also a common word does not blot out the targets named on stderr (redis://)', async () => {
    // The target's name, which never holds a password, is left whole: `***://127.0.0.1:1` told the reader what the
    // password was.
    const inventory = join(dir, 'word.yaml');
    const [dead1, dead2] = await freePorts(2);
    await writeFile(inventory, `targets:\n  - { url: "redis://127.0.0.1:${dead1}", passwordEnv: FLEET_WORD_PW }\n  - url: "redis://127.0.0.1:${dead2}"\n`);
    const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--summary-only', '--fail-on', 'none'], { env: { FLEET_WORD_PW: 'redis' } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^redfort: redis://127\\.0\\.0\\.1:${dead1}: connection refused$`, 'm'));
    assert.match(run.stderr, new RegExp(`^redfort: redis://127\\.0\\.0\\.1:${dead2}: connection refused$`, 'm'));
  });

  // QA42-9: every password of the run was masked in every error line: a target's password `file` turned another
  // target's "cannot read the password file … no such file" into "password *** … no such ***", which showed it, and
  // stderr said other words than the report. Each error line is the report's, masked with its own target's password.
  it("an error line on stderr is the report's own, not masked with other targets' passwords", async () => {
    const inventory = join(dir, 'others.yaml');
    const [dead] = await freePorts(1);
    const missing = join(dir, 'absent', 'x.pw');
    await writeFile(inventory, `targets:\n  - { url: "redis://127.0.0.1:${dead}", passwordEnv: FLEET_FILE_PW }\n  - { url: "redis://127.0.0.2:${dead}", passwordFile: ${missing} }\n`);
    const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--summary-only', '--fail-on', 'none', '-o', `json=${join(dir, 'others.json')}`], { env: { FLEET_FILE_PW: 'file' } });
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(await readFile(join(dir, 'others.json'), 'utf8')) as { targets: { target: string; error?: string }[] };
    const error = report.targets.find((x) => x.target === `redis://127.0.0.2:${dead}`)?.error;
    assert.match(error ?? '', /cannot read the password file '.*x\.pw': no such file/);
    assert.ok(run.stderr.includes(`redfort: ${error}`) || run.stderr.includes(`: ${error}`), run.stderr);
  });

  it('audits an entry marked replication: true as a deployment: the group and its node, both labelled', async () => {
    const inventory = join(dir, 'deployment.yaml');
    await writeFile(inventory, `targets:\n  - { url: "redis://127.0.0.1:${c.port}", password: ${PW_INLINE}, replication: true, labels: { team: cache } }\n`);
    const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--format', 'jsonl', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const targets = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; target?: string; labels?: Record<string, string> }).filter((l) => l.type === 'target');
    assert.deepEqual(targets.map((t) => t.target), [`replication redis://127.0.0.1:${c.port} (1 node)`, `redis://127.0.0.1:${c.port}`]);
    for (const t of targets) assert.deepEqual(t.labels, { team: 'cache' });
    assert.ok(!run.stdout.includes(PW_INLINE) && !run.stderr.includes(PW_INLINE));
  });

  it('reads the inventory from standard input; an invalid one is one line naming file:line, exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `targets:\n  - { url: "redis://127.0.0.1:${a.port}", colour: blue }\n`);
    const run = await runCli(['audit', '--targets', bad]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^redfort: .*bad\.yaml:2: targets: unknown key 'colour'/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  // QA42-13: `--targets <(grep prod hosts.txt)` and `… | redfort audit --targets /dev/stdin` were refused as 'a FIFO,
  // not a regular file'; a pipe of the user's own is read as `--targets -` reads standard input.
  it('reads a pipe given by its path: process substitution and /dev/stdin', async () => {
    const list = join(dir, 'piped.txt');
    await writeFile(list, `redis://127.0.0.1:${a.port}\n`);
    const bin = join(ROOT, 'bin', 'redfort.mjs');
    const flags = '--no-probe --no-host --fail-on none --format json';
    for (const script of [`node '${bin}' audit --targets <(cat '${list}') ${flags}`, `cat '${list}' | node '${bin}' audit --targets /dev/stdin ${flags}`]) {
      const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 60_000 });
      const report = JSON.parse(stdout) as { targets: { target: string; server?: unknown; error?: string }[] };
      assert.equal(report.targets.length, 1, script);
      assert.equal(report.targets[0]?.error, undefined, script);
    }
  });
});

/** Server c's replies (it asks for a password), served on `count` ports by one lightweight process; the last `silent` never answer. */
async function fakeFleet(count: number, silent: number): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const replies = await recordReplies(c.port, [['AUTH', PW_INLINE], ...auditCommands().map((p) => p.args)]);
  replies.set('PING', Buffer.from('+PONG\r\n'));
  return startFakeFleet(count, replies, { silent });
}

describe('a fleet of 200 targets, 20 of them dead or silent', () => {
  it('finishes with every live result present; the dead and silent ones are errors', async () => {
    // One real server's replies, served on 190 ports by one lightweight process: 10 of them never answer.
    fakes = await fakeFleet(190, 10);
    // Dead targets on 127.0.0.9, where no test server binds: a port free on 127.0.0.1 now could be taken by
    // another test's server before the run.
    const dead = await freePorts(10);
    const list = join(dir, 'fleet.txt');
    await writeFile(list, [...fakes.ports.map((p) => `redis://127.0.0.1:${p}`), ...dead.map((p) => `redis://127.0.0.9:${p}`)].join('\n'));
    // The run is CPU-bound in the CLI (about 2 s of CPU for the 200 targets; the fake fleet here takes 0.2 s), and a
    // target's clock runs while the targets in flight share what CPU the machine gives the CLI: its time grows with
    // --concurrency. Measured with the CLI and this fleet held to 0.1 of a core (cgroup CPU quota, about what a
    // load of 20 leaves): at --concurrency 50, 82 of the 180 live targets took over 4 s each (the cause of this
    // test's failures at load 7, a live target out of its 12 s); at the default 16 none did, and the run took 30 s.
    // So the CLI's default concurrency, a 12 s deadline that is 3x the worst live target there, silent targets
    // ended by the 6 s reply timeout before it, and a 180 s guard against a hang instead of 60 s.
    const run = await runCli(['audit', '--targets', list, '--no-host', '--no-probe', '--concurrency', '16', '--target-timeout', '12000',
      '--connect-timeout', '10000', '--timeout', '6000', '--format', 'jsonl', '-o', join(dir, 'fleet.jsonl'), '--fail-on', 'none', '--quiet'], { killAfterMs: 180_000 });
    assert.notEqual(run.code, null, `killed after 180 s; stderr: ${run.stderr}`);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, '', 'nothing on stderr with --quiet');
    const lines = (await readFile(join(dir, 'fleet.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; target?: string; error?: string; summary?: { targets: number; targetErrors: number } });
    const targets = lines.filter((l) => l.type === 'target');
    assert.equal(targets.length, 200);
    const live = new Set(fakes.ports.slice(0, 180).map((p) => `redis://127.0.0.1:${p}`));
    for (const t of targets) {
      if (live.has(t.target!)) assert.equal(t.error, undefined, `${t.target}: ${t.error}`);
      else assert.ok(t.error, `${t.target} should be an error`);
    }
    assert.equal(targets.filter((t) => live.has(t.target!)).length, 180);
    assert.deepEqual({ targets: lines.at(-1)!.summary!.targets, errors: lines.at(-1)!.summary!.targetErrors }, { targets: 200, errors: 20 });
  });
});

describe('JSON Lines as targets finish', () => {
  // The lines grow in the output's temporary file (`.streamed.jsonl.PID-RANDOM.tmp`, beside it), which replaces the
  // file once the run is over (src/util/write-file.ts openStagedOutput).
  it("a finished target's line is in the output's temporary file while another target still holds the run open", async () => {
    // Five servers that answer and one that never does, with a reply timeout far longer than the test.
    const fleet = await fakeFleet(6, 1);
    const file = join(dir, 'streamed.jsonl');
    const list = join(dir, 'streamed.txt');
    await writeFile(list, fleet.ports.map((p) => `redis://127.0.0.1:${p}`).join('\n'));
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.mjs'), 'audit', '--targets', list, '--no-host', '--no-probe',
      '--timeout', '600000', '--target-timeout', '600000', '--format', 'jsonl', '-o', file, '--fail-on', 'none', '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const live = new Set(fleet.ports.slice(0, 5).map((p) => `redis://127.0.0.1:${p}`));
      let seen: { type: string; target?: string; error?: string }[] = [];
      // Until the five lines are there (the run cannot end before the silent target's 600 s): 120 s at most.
      for (let waited = 0; waited < 120_000 && child.exitCode === null; waited += 100) {
        const temp = (await readdir(dir)).find((name) => name.startsWith('.streamed.jsonl.') && name.endsWith('.tmp'));
        const text = temp === undefined ? '' : await readFile(join(dir, temp), 'utf8').catch(() => '');
        seen = text.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { type: string; target?: string; error?: string });
        if (seen.length >= 5) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(child.exitCode, null, 'the run is still going (the silent target)');
      await assert.rejects(readFile(file), { code: 'ENOENT' });
      assert.deepEqual(new Set(seen.map((l) => l.target)), live);
      for (const l of seen) assert.deepEqual([l.type, l.error], ['target', undefined]);
    } finally {
      child.kill('SIGKILL');
      await exited;
      await fleet.stop();
    }
  });
});

describe('a JSON report file as targets finish', () => {
  it('is written in the inventory\'s order while a target before the others holds the run, and equals the whole report', async () => {
    // Four servers that answer and one that never does, listed first: it ends last, by the reply timeout.
    const fleet = await fakeFleet(5, 1);
    try {
      const list = join(dir, 'ordered.txt');
      const urls = [fleet.ports[4]!, ...fleet.ports.slice(0, 4)].map((p) => `redis://127.0.0.1:${p}`);
      await writeFile(list, `${urls.join('\n')}\n`);
      const file = join(dir, 'ordered.json');
      const common = ['audit', '--targets', list, '--no-probe', '--no-host', '--timeout', '1500', '--fail-on', 'none'];
      const env = { env: { REDISCLI_AUTH: PW_INLINE } };
      for (const jobs of ['1', '2']) {
        // Standard output gets the report made whole once every target is done: the file must be the same text.
        const [whole, streamed] = await Promise.all([runCli([...common, '--jobs', jobs, '--format', 'json'], env), runCli([...common, '--jobs', jobs, '--quiet', '-o', `json=${file}`], env)]);
        assert.equal(whole.code, 2, whole.stderr);
        assert.equal(streamed.code, 2, streamed.stderr);
        const text = await readFile(file, 'utf8');
        const report = JSON.parse(text) as { targets: { target: string; error?: string }[] };
        assert.deepEqual(report.targets.map((t) => t.target), urls);
        assert.deepEqual(report.targets.map((t) => t.error !== undefined), [true, false, false, false, false]);
        assert.equal(text, whole.stdout);
      }
    } finally {
      await fleet.stop();
    }
  });
});

describe('progress', () => {
  it('a live line on a terminal, nothing in a pipe or with --quiet', async () => {
    const list = join(dir, 'progress.txt');
    await writeFile(list, [a.port, c.port].map((p) => `redis://127.0.0.1:${p}`).join('\n'));
    const args = ['audit', '--targets', list, '--no-host', '--no-probe', '--summary-only', '--fail-on', 'none'];
    const piped = await runCli(args);
    assert.doesNotMatch(piped.stderr, /targets audited/);
    // `script` runs the CLI under a pseudo-terminal and copies what it writes (stdout and stderr) to our pipe.
    const underTty = async (extra: string[]) => {
      const command = [process.execPath, join(ROOT, 'bin', 'redfort.mjs'), ...args, ...extra].map((w) => `'${w}'`).join(' ');
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, REDISCLI_AUTH: '' } });
      return stdout;
    };
    const shown = await underTty([]);
    assert.match(shown, /\r\x1b\[2Kredfort: 2\/2 targets audited, \d+ with failures, 0 not audited/);
    assert.doesNotMatch(await underTty(['--quiet']), /targets audited/);
  });

  // QA42-18: a progress line wider than the terminal wraps, and `\r` + ESC[2K redraw only its last row: every redraw
  // left the first row behind. Cut to the terminal's width (less one), shorter words first.
  it('the live line fits the terminal: never wider than its columns less one', async () => {
    const list = join(dir, 'progress-narrow.txt');
    await writeFile(list, [a.port, c.port, a.port].map((p) => `redis://127.0.0.1:${p}`).join('\n'));
    const args = ['audit', '--targets', list, '--no-host', '--no-probe', '--summary-only', '--fail-on', 'none', '--concurrency', '1'];
    for (const cols of [50, 30]) {
      const command = `stty cols ${cols}; ${[process.execPath, join(ROOT, 'bin', 'redfort.mjs'), ...args].map((w) => `'${w}'`).join(' ')}`;
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, REDISCLI_AUTH: '' } });
      const lines = [...stdout.matchAll(/\r\x1b\[2K(redfort: [^\r\n]*)/g)].map((m) => m[1]!);
      assert.ok(lines.length > 0, stdout);
      for (const l of lines) assert.ok(l.length <= cols - 1, `${cols} columns: ${JSON.stringify(l)} (${l.length})`);
      if (cols === 50) assert.ok(lines.some((l) => /^redfort: 3\/3, \d+ failing, 0 not audited$/.test(l)), JSON.stringify(lines));
    }
  });

  // An entry marked replication: true (or cluster, sentinel) is a deployment: the deployment and each node are targets of
  // their own, found only as it is audited. Counting targets, the total grew with them: past the entries first
  // (`3/2 targets audited`), then level with the count (`2/2`, `3/3` … `8/8` while the fleet still ran, its ETA gone).
  // The count is of entries, a deployment done when its last node is, the targets counted beside it.
  const drawn = async (inventory: string, extra: string[] = []) => {
    const args = ['audit', '--targets', inventory, '--no-host', '--no-probe', '--summary-only', '--fail-on', 'none', ...extra];
    const command = [process.execPath, join(ROOT, 'bin', 'redfort.mjs'), ...args].map((w) => `'${w}'`).join(' ');
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, REDISCLI_AUTH: '' } });
    const lines = [...stdout.matchAll(/\r\x1b\[2Kredfort: ([^\r\n]*)/g)].map((m) => m[1]!).filter((l) => l !== '');
    return { stdout, lines };
  };
  /** Each drawn line below its total until the last, which is the whole run's; an ETA on each of the others. */
  const assertCounts = (lines: readonly string[], entries: number, targets: number) => {
    assert.ok(lines.length > 0);
    for (const [i, l] of lines.entries()) {
      const m = /^(\d+)\/(\d+) entries audited, (\d+) targets?: \d+ with failures, \d+ not audited(, ETA \d+s)?$/.exec(l);
      assert.ok(m, l);
      assert.equal(Number(m[2]), entries, l);
      const last = i === lines.length - 1;
      assert.equal(Number(m[1]) === entries, last, `${l} (line ${i + 1} of ${lines.length}: ${JSON.stringify(lines)})`);
      assert.equal(m[4] === undefined, last, l);
      if (last) assert.equal(Number(m[3]), targets, l);
    }
  };

  it("counts a replication entry done with its last node: never done before the run is", async () => {
    const inventory = join(dir, 'progress-deployment.yaml');
    await writeFile(inventory, `targets:\n  - { url: "redis://127.0.0.1:${c.port}", password: ${PW_INLINE}, replication: true }\n  - { url: "redis://127.0.0.1:${a.port}", password: ${PW_DEFAULT} }\n`);
    const { stdout, lines } = await drawn(inventory, ['--concurrency', '1']);
    // The deployment and its node, and the plain server: three targets of two entries.
    assertCounts(lines, 2, 3);
    assert.ok(!stdout.includes(PW_INLINE) && !stdout.includes(PW_DEFAULT));
  });

  it('counts a 3-master cluster as one entry of four targets, the plain server beside it first or last', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    try {
      const inventory = join(dir, 'progress-cluster.yaml');
      await writeFile(inventory, `targets:\n  - { url: "redis://127.0.0.1:${cluster.nodes[0]!.port}", cluster: true }\n  - { url: "redis://127.0.0.1:${a.port}", password: ${PW_DEFAULT} }\n`);
      // Both at once (the plain server is done first: the run is not done with it), then one after the other.
      for (const extra of [[], ['--concurrency', '1']]) {
        const { stdout, lines } = await drawn(inventory, extra);
        assertCounts(lines, 2, 5);
        assert.match(stdout, /Fleet: 5 targets of 2 inventory entries, 0 not audited/);
      }
    } finally {
      await cluster.stop();
    }
  });

  it('JSON Lines on the same terminal each start a line of their own, never after the progress text', async () => {
    const list = join(dir, 'progress-jsonl.txt');
    await writeFile(list, [a.port, c.port, a.port, c.port].map((p) => `redis://127.0.0.1:${p}`).join('\n'));
    const args = ['audit', '--targets', list, '--no-host', '--no-probe', '--format', 'jsonl', '--fail-on', 'none'];
    const command = [process.execPath, join(ROOT, 'bin', 'redfort.mjs'), ...args].map((w) => `'${w}'`).join(' ');
    const { stdout: shown } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, REDISCLI_AUTH: '' }, maxBuffer: 64 * 1024 * 1024 });
    assert.match(shown, /targets audited/);
    const starts = [...shown.matchAll(/\{"type":/g)].map((m) => shown.slice(Math.max(0, m.index - 5), m.index));
    assert.equal(starts.length, 5);
    // What comes before each line on the screen: the start, a line feed, or the escape that erased the progress line.
    for (const before of starts) assert.match(before, /(^|\n|\r\x1b\[2K)$/, JSON.stringify(before));
  });
});
