import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startRedis, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { build, runCli } from './report/cli-run.ts';

// Golden CLI scenarios: the built bin/redfort.mjs against real servers.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'redfort.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a clean environment (no REDISCLI_AUTH or colour settings from the caller). */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, { env });
}

/** Runs the CLI on a pseudo-terminal (util-linux script), so that stdout is a TTY. */
async function runOnTty(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const base = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR']) delete base[name];
  const { stdout } = await promisify(execFile)('script', ['-qec', quoted, '/dev/null'], {
    cwd: root,
    env: { ...base, TERM: 'xterm-256color', ...env },
    timeout: 60_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return stdout;
}

/** One line on stderr (besides the command-line password warning), and no stack trace. */
function assertOneLineError(result: Run, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit ${result.code}; stderr: ${result.stderr}`);
  const lines = result.stderr
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('redfort: warning: a password on the command line'));
  assert.equal(lines.length, 1, `stderr is not one line:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at |Error: |\.ts:\d+|\.mjs:\d+/m, 'a stack trace');
}

interface JsonReport {
  tool: { name: string; version: string };
  targets: { target: string; error?: string; warnings?: string[]; results: { ruleId: string; status: string; message: string }[] }[];
  summary: Record<string, unknown>;
}

const PASSWORD = 'Pw-leak-check-9f3e7c1d2b';
const WRONG = 'Wrong-pw-leak-7a6b5c4d3e';
/** A password with URL-special characters, given percent-encoded in the URL. */
const SPECIAL = 'Sp3c!al@pw/x:y%z#Q';

after(stopAll);

describe('redfort CLI', { concurrency: 4 }, () => {
  let debian: RunningServer;
  let wideOpen: RunningServer;
  let guarded: RunningServer;
  let special: RunningServer;
  let tlsOnly: RunningServer;
  let ipv6: RunningServer;
  let deadPort: number;
  let catalogue: string[];
  let tmp: string;

  before(async () => {
    await build();
    tmp = await mkdtemp(join(tmpdir(), 'redfort-cli-'));
    [debian, wideOpen, guarded, special, tlsOnly, ipv6, deadPort] = await Promise.all([
      startRedis({ conf: 'bind 127.0.0.1 -::1\nprotected-mode yes\nsave 3600 1' }),
      startRedis({ conf: 'bind 0.0.0.0\nprotected-mode no' }),
      startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD }),
      startRedis({ conf: `requirepass "${SPECIAL}"`, password: SPECIAL }),
      startRedis({ tls: true, conf: `requirepass ${PASSWORD}`, password: PASSWORD }),
      startRedis({ host: '::1' }),
      freePort(),
    ]);
    const rules = await run(['rules', '--format', 'json']);
    assert.equal(rules.code, 0, rules.stderr);
    catalogue = (JSON.parse(rules.stdout) as { id: string }[]).map((r) => r.id);
    assert.ok(catalogue.length >= 38, `${catalogue.length} rules`);
  });

  after(() => rm(tmp, { recursive: true, force: true }));

  describe('exit codes', { concurrency: 4 }, () => {
    it('exits 0 with --fail-on none', async () => {
      const result = await run(['audit', debian.url, '--fail-on', 'none']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /auth\.no-authentication|Clients must authenticate/);
    });

    it('exits 1 on a wide-open server (default --fail-on high)', async () => {
      const result = await run(['audit', wideOpen.url]);
      assert.equal(result.code, 1, result.stderr);
    });

    it('exits 0 when nothing fails at or above --fail-on', async () => {
      const result = await run(['audit', debian.url, '--format', 'json', '--fail-on', 'none']);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.ok(report.targets[0]!.results.some((r) => r.status === 'fail'), 'the debian-like server has failures');
      assert.equal(result.code, 0);
    });

    it('--redis-version beside a live server says it is not used: the server is judged by its own version (QA45-28)', async () => {
      const result = await run(['audit', debian.url, '--redis-version', '6.0.20', '--format', 'json', '--fail-on', 'none']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^redfort: warning: --redis-version 6\.0\.20 is for file-only audits: each server is judged by the version it reports \(INFO\), its files with it$/m);
      const report = JSON.parse(result.stdout) as { targets: { server?: { version?: string } }[] };
      assert.equal(report.targets[0]!.server?.version, '7.0.15');
    });

    it('exits 2 with one line on connection refused', async () => {
      assertOneLineError(await run(['audit', `redis://127.0.0.1:${deadPort}`]), /refused/);
    });

    it('exits 2 with one line on a wrong password (WRONGPASS)', async () => {
      const result = await run(['audit', `redis://:${WRONG}@127.0.0.1:${guarded.port}`]);
      assertOneLineError(result, /WRONGPASS|authentication failed/);
    });

    it('without credentials, audits what the wire shows of a server that needs a password, and says so', async () => {
      const result = await run(['audit', guarded.url, '--format', 'json', '--fail-on', 'none']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /no credentials were given.*REDISCLI_AUTH/);
      const skipped = (JSON.parse(result.stdout) as JsonReport).targets[0]!.results.filter((r) => r.status === 'skip');
      assert.ok(skipped.some((r) => /needs credentials/.test(r.message)), 'the rules that need a login say so');
    });

    it('a warning about one target of several names it, with or without --quiet (the text report does not carry it)', async () => {
      // Before: 'redfort: warning: no credentials were given: …' once per such target, none saying which.
      for (const quiet of [[], ['--quiet']]) {
        const both = await run(['audit', guarded.url, special.url, '--fail-on', 'none', ...quiet]);
        assert.equal(both.code, 0, both.stderr);
        const warnings = both.stderr.split('\n').filter((l) => l.startsWith('redfort: warning: '));
        assert.deepEqual(warnings.map((l) => l.match(/^redfort: warning: (\S+): no credentials were given/)?.[1]).sort(), [guarded.url, special.url].sort(), both.stderr);
      }
      const one = await run(['audit', guarded.url, '--fail-on', 'none', '--quiet']);
      assert.match(one.stderr, /^redfort: warning: no credentials were given/m, 'one target: not named, still said under --quiet');
    });

    it('exits 2 with one line on a bad URL', async () => {
      assertOneLineError(await run(['audit', 'redis://127.0.0.1:99999']), /port/);
      assertOneLineError(await run(['audit', 'http://127.0.0.1:6379']), /scheme/);
    });

    it('exits 2 with one line on an unknown option', async () => {
      assertOneLineError(await run(['audit', '--bogus', debian.url]), /unknown option '--bogus'/);
    });

    it('exits 2 with one line on an unknown format', async () => {
      assertOneLineError(await run(['audit', debian.url, '--format', 'xml']), /unknown format 'xml'/);
    });
  });

  describe('reports', { concurrency: 4 }, () => {
    it('--format json: tool, one entry per target, every catalogue rule, summary', async () => {
      const result = await run(['audit', debian.url, wideOpen.url, '--format', 'json', '--fail-on', 'none']);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.equal(report.tool.name, 'redfort');
      assert.match(report.tool.version, /^\d+\.\d+\.\d+/);
      assert.deepEqual(
        report.targets.map((t) => t.target),
        [debian.url, wideOpen.url],
      );
      for (const target of report.targets) {
        assert.equal(target.error, undefined);
        const ids = new Set(target.results.map((r) => r.ruleId));
        for (const id of catalogue) assert.ok(ids.has(id), `${target.target}: ${id} missing`);
      }
      assert.equal(report.summary.targets, 2);
      assert.equal(report.summary.targetErrors, 0);
      assert.equal(typeof report.summary.fail, 'number');
    });

    it('--output writes the report to the file, not to stdout', async () => {
      const file = join(tmp, 'report.json');
      const result = await run(['audit', debian.url, '--format', 'json', '--fail-on', 'none', '--output', file]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
      const report = JSON.parse(await readFile(file, 'utf8')) as JsonReport;
      assert.equal(report.targets[0]!.target, debian.url);
    });

    it('-o /dev/null, /dev/stdout and /dev/stderr need no --force (one target, a fleet, a baseline); a link elsewhere still does', async () => {
      const quiet = await run(['audit', debian.url, '--fail-on', 'none', '-o', '/dev/null', '--baseline-write', '/dev/null']);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stdout + quiet.stderr, '');
      const piped = await run(['audit', debian.url, '--fail-on', 'none', '--quiet', '-o', 'json=/dev/stdout', '-o', 'sarif=/dev/stderr', '-f', 'junit', '-o', '/dev/null']);
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal((JSON.parse(piped.stdout) as JsonReport).targets[0]!.target, debian.url);
      assert.equal((JSON.parse(piped.stderr) as { version: string }).version, '2.1.0');
      const inventory = join(tmp, 'devnull-fleet.txt');
      await writeFile(inventory, `${debian.url}\n`);
      const fleet = await run(['audit', '--targets', inventory, '--fail-on', 'none', '--quiet', '-f', 'junit', '-o', 'junit=/dev/null', '-o', 'json=/dev/stdout', '-o', 'jsonl=/dev/null', '-o', 'html=/dev/null']);
      assert.equal(fleet.code, 0, fleet.stderr);
      assert.equal((JSON.parse(fleet.stdout) as JsonReport).targets[0]!.target, debian.url);
      const link = join(tmp, 'to-devnull.out');
      await symlink('/dev/null', link);
      assertOneLineError(await run(['audit', debian.url, '-o', link]), /cannot write a report to '\S+to-devnull\.out': a symbolic link: refused \(pass --force/);
      // --baseline-write is refused as -o is, named as the baseline it is; a dangling link creates nothing.
      assertOneLineError(await run(['audit', debian.url, '--baseline-write', link]), /cannot write the baseline to '\S+to-devnull\.out': a symbolic link: refused \(pass --force/);
      const dangling = join(tmp, 'baseline-dangling.json');
      await symlink(join(tmp, 'planted-target.json'), dangling);
      assertOneLineError(await run(['audit', debian.url, '--baseline-write', dangling]), /cannot write the baseline to '\S+baseline-dangling\.json': a symbolic link: refused/);
      assert.equal(existsSync(join(tmp, 'planted-target.json')), false);
    });

    it('piped output has no ANSI escapes', async () => {
      const result = await run(['audit', debian.url, '--fail-on', 'none']);
      assert.ok(result.stdout.length > 0);
      assert.doesNotMatch(result.stdout + result.stderr, /\x1b\[/);
    });

    it('a terminal gets colours unless NO_COLOR or --no-color', async () => {
      const args = ['audit', debian.url, '--fail-on', 'none'];
      const [colour, noColorEnv, noColorFlag] = await Promise.all([
        runOnTty(args),
        runOnTty(args, { NO_COLOR: '1' }),
        runOnTty([...args, '--no-color']),
      ]);
      assert.match(colour, /\x1b\[/, 'no colours on a terminal: the NO_COLOR checks below prove nothing');
      assert.match(noColorEnv, /auth\.no-authentication|Clients must authenticate/);
      assert.doesNotMatch(noColorEnv, /\x1b\[/);
      assert.doesNotMatch(noColorFlag, /\x1b\[/);
    });

    it('audits an IPv6 target redis://[::1]:port', async () => {
      const url = `redis://[::1]:${ipv6.port}`;
      const result = await run(['audit', url, '--format', 'json', '--fail-on', 'none']);
      assert.equal(result.code, 0, result.stderr);
      const [target] = (JSON.parse(result.stdout) as JsonReport).targets;
      assert.equal(target!.target, url);
      assert.equal(target!.error, undefined);
      assert.ok(target!.results.every((r) => r.status !== 'error'));
    });

    it('several targets with one dead: exit 2, the live one still reported', async () => {
      const dead = `redis://127.0.0.1:${deadPort}`;
      const result = await run(['audit', debian.url, dead, '--format', 'json', '--fail-on', 'none']);
      assertOneLineError(result, new RegExp(`${dead.replace(/[.]/g, '\\.')}.*refused`));
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.equal(report.targets.length, 2);
      const [live, gone] = report.targets;
      assert.equal(live!.error, undefined);
      assert.ok(live!.results.some((r) => r.status === 'pass') && live!.results.every((r) => r.status !== 'error'));
      assert.match(gone!.error ?? '', /refused/);
      assert.equal(report.summary.targetErrors, 1);
    });
  });

  describe('no password ever appears in the output', { concurrency: 4 }, () => {
    /** The four ways to give a password, for one target URL without credentials. */
    function ways(url: string, password: string): { name: string; args: string[]; env: Record<string, string> }[] {
      const withUser = url.replace('://', `://:${encodeURIComponent(password)}@`);
      return [
        { name: 'URL', args: [withUser], env: {} },
        { name: 'URL with user', args: [url.replace('://', `://default:${encodeURIComponent(password)}@`)], env: {} },
        { name: '--pass', args: [url, '--pass', password], env: {} },
        { name: '-a', args: [url, '-a', password], env: {} },
        { name: 'REDISCLI_AUTH', args: [url], env: { REDISCLI_AUTH: password } },
      ];
    }

    function assertNoLeak(result: Run, password: string, label: string): void {
      for (const form of new Set([password, encodeURIComponent(password)])) {
        assert.ok(!result.stdout.includes(form), `${label}: the password is on stdout`);
        assert.ok(!result.stderr.includes(form), `${label}: the password is on stderr`);
      }
    }

    /** Every way of giving the password; failures print the same message in both formats, so JSON only. */
    async function check(
      url: string,
      password: string,
      expect: (result: Run, label: string) => void,
      formats: readonly string[] = ['json'],
    ): Promise<void> {
      await Promise.all(
        ways(url, password).flatMap((way) =>
          formats.map(async (format) => {
            const label = `${way.name}, ${format}`;
            const result = await run(['audit', ...way.args, '--format', format, '--fail-on', 'none'], way.env);
            assertNoLeak(result, password, label);
            expect(result, label);
          }),
        ),
      );
    }

    it('on a successful audit (CONFIG GET returns requirepass)', async () => {
      await check(guarded.url, PASSWORD, (result, label) => {
        assert.equal(result.code, 0, `${label}: ${result.stderr}`);
        if (label.endsWith('json')) assert.equal((JSON.parse(result.stdout) as JsonReport).targets[0]!.error, undefined);
      }, ['text', 'json']);
    });

    it('with URL-special characters in the password', async () => {
      await check(special.url, SPECIAL, (result, label) => {
        assert.equal(result.code, 0, `${label}: ${result.stderr}`);
      });
    });

    it('on WRONGPASS', async () => {
      await check(guarded.url, WRONG, (result, label) => {
        assert.equal(result.code, 2, `${label}: ${result.stderr}`);
        assert.match(result.stderr, /WRONGPASS|authentication failed/, label);
      });
    });

    it('on a TLS failure', async () => {
      // The server's certificate is signed by the test CA, which is not given: verification fails.
      await check(tlsOnly.url, PASSWORD, (result, label) => {
        assert.equal(result.code, 2, `${label}: ${result.stderr}`);
        assert.match(result.stderr, /certificate|TLS/i, label);
      });
    });

    it('on TLS to a plaintext port', async () => {
      await check(guarded.url.replace('redis://', 'rediss://'), PASSWORD, (result, label) => {
        assert.equal(result.code, 2, `${label}: ${result.stderr}`);
      });
    });

    it('in a usage error for a bad URL', async () => {
      const result = await run(['audit', `redis://:${PASSWORD}@127.0.0.1:99999`]);
      assertOneLineError(result, /port/);
      assertNoLeak(result, PASSWORD, 'bad URL');
    });
  });
});
