import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, runCli } from './report/cli-run.ts';
import type { CliRun } from './report/cli-run.ts';

// QA41-100: a flag given twice. Commander keeps the last value of a plain option, so `audit --config a.conf --config
// b.conf` audited b.conf alone and a.conf's findings vanished from the reports and the exit code. Now every
// `--config`/`--sentinel-config` of a file-only audit is a target of its own, and a flag that names one file
// (`--acl`, harden's and fix's files, the TLS files) is a usage error when repeated. No server is needed.

function oneLineError(result: CliRun, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit ${result.code}; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `stderr is not one line:\n${result.stderr}`);
  assert.match(lines[0]!, /^redfort: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at |Error: |\.ts:\d+|\.mjs:\d+/m, 'a stack trace');
  assert.equal(result.stdout, '');
}

interface Report {
  targets: { target: string; error?: string; results: { ruleId: string; status: string }[] }[];
}

describe('a flag given twice', { concurrency: 4 }, () => {
  let dir: string;

  before(async () => {
    await build();
    dir = await mkdtemp(join(tmpdir(), 'redfort-repeat-'));
    await writeFile(join(dir, 'a.conf'), 'bind 0.0.0.0\nprotected-mode no\n');
    await writeFile(join(dir, 'b.conf'), 'bind 127.0.0.1\n');
    await writeFile(join(dir, 'x.conf'), 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n');
    await writeFile(join(dir, 'y.conf'), 'port 26380\nsentinel monitor other 127.0.0.1 6380 2\n');
    await writeFile(join(dir, 'a.acl'), 'user default on nopass ~* &* +@all\n');
    await writeFile(join(dir, 'b.acl'), 'user default off\n');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('audit: every --config and --sentinel-config is a target of its own, in the order given', async () => {
    const run = await runCli(['audit', '--config', 'a.conf', '--config', 'b.conf', '--redis-version', '7.2.6', '--format', 'json'], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(report.targets.map((t) => t.target), ['a.conf', 'b.conf']);
    // a.conf's open bind is a failure of the run (it was dropped without a word).
    assert.equal(report.targets[0]!.results.find((r) => r.ruleId === 'network.bind-all-interfaces')?.status, 'fail');
    assert.equal(report.targets[1]!.results.find((r) => r.ruleId === 'network.bind-all-interfaces')?.status, 'pass');

    const both = await runCli(['audit', '--sentinel-config', 'x.conf', '--config', 'b.conf', '--sentinel-config', 'y.conf', '--config', 'a.conf', '--redis-version', '7.2.6', '--format', 'json'], { cwd: dir });
    assert.deepEqual((JSON.parse(both.stdout) as Report).targets.map((t) => t.target), ['b.conf', 'a.conf', 'x.conf', 'y.conf'], both.stderr);
  });

  it('audit: --acl names the ACL file of one server, so twice, or with several configs, is a usage error', async () => {
    oneLineError(await runCli(['audit', '--config', 'a.conf', '--acl', 'a.acl', '--acl', 'b.acl'], { cwd: dir }), /--acl is given twice \('a\.acl' and 'b\.acl'\): it takes one file, give it once/);
    oneLineError(await runCli(['audit', '--config', 'a.conf', '--config', 'b.conf', '--acl', 'a.acl'], { cwd: dir }), /--acl is the ACL file of one server: with 2 --config files/);
    oneLineError(await runCli(['audit', '--sentinel-config', 'x.conf', '--sentinel-config', 'y.conf', '--acl', 'a.acl'], { cwd: dir }), /--acl is the ACL file of one server: with 2 --sentinel-config files/);
    // The same file twice, however spelled, is not two targets.
    oneLineError(await runCli(['audit', '--config', 'a.conf', '--config', './a.conf'], { cwd: dir }), /--config names '\.\/a\.conf' twice: give each file once/);
  });

  it('audit: with a live server the files are that server’s own: each flag once', async () => {
    oneLineError(await runCli(['audit', 'redis://127.0.0.1:1', '--config', 'a.conf', '--config', 'b.conf'], { cwd: dir }), /--config is given 2 times: with a server it names that server's one file/);
    oneLineError(await runCli(['audit', 'redis://127.0.0.1:1', '--sentinel-config', 'x.conf', '--sentinel-config', 'y.conf'], { cwd: dir }), /--sentinel-config is given 2 times/);
  });

  it('every other command: a file flag given twice is one line naming it, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['harden', '--config', 'a.conf', '--config', 'b.conf', '--out', 'h'], /--config is given twice \('a\.conf' and 'b\.conf'\)/],
      [['harden', '--config', 'a.conf', '--acl', 'a.acl', '--acl', 'b.acl', '--out', 'h'], /--acl is given twice/],
      [['harden', '--sentinel-config', 'x.conf', '--sentinel-config', 'y.conf', '--out', 'h'], /--sentinel-config is given twice/],
      [['harden', '--config', 'a.conf', '--out', 'h1', '--out', 'h2'], /--out is given twice \('h1' and 'h2'\): it takes one directory/],
      [['harden', '--config', 'a.conf', '--secrets', 's1.env', '--secrets', 's2.env', '--out', 'h'], /--secrets is given twice/],
      [['fix', 'redis://127.0.0.1:1', '--plan', '--out', 'p1.json', '--out', 'p2.json'], /--out is given twice/],
      [['fix', 'redis://127.0.0.1:1', '--apply', 'p1.json', '--apply', 'p2.json'], /--apply is given twice \('p1\.json' and 'p2\.json'\): it takes one plan file/],
      // LEFT-1: its file is optional, and commander called no parser for the bare flag: `--apply --apply p.json` took
      // p.json, and `--apply p.json --apply` dropped the saved plan for a fresh one, without a word.
      [['fix', 'redis://127.0.0.1:1', '--apply', '--apply', 'p.json'], /--apply is given twice \(with no file and 'p\.json'\): it takes one plan file, give it once/],
      [['fix', 'redis://127.0.0.1:1', '--apply', 'p.json', '--apply'], /--apply is given twice \('p\.json' and with no file\): it takes one plan file, give it once/],
      [['fix', 'redis://127.0.0.1:1', '--apply', '--apply'], /--apply is given twice \(with no file and with no file\)/],
      [['fix', 'redis://127.0.0.1:1', '--apply=p.json', '--plan', '--apply'], /--apply is given twice \('p\.json' and with no file\)/],
      [['fix', '--rollback', 'r1.json', '--rollback', 'r2.json'], /--rollback is given twice/],
      // A flag with a default is still counted from its first use (the default is no use).
      [['fix', 'redis://127.0.0.1:1', '--plan', '--secrets', 'redfort-secrets.env', '--secrets', 'x.env'], /--secrets is given twice/],
      [['fix', 'redis://127.0.0.1:1', '--plan', '--rollback-file', 'r1.json', '--rollback-file', 'r2.json'], /--rollback-file is given twice/],
      [['reboot-plan', 'redis://127.0.0.1:1', '--host-key', 'a', '--host-key', 'b'], /--host-key is given twice/],
      [['exporter', '--config', 'a.yaml', '--config', 'b.yaml'], /--config is given twice/],
      [['audit', 'rediss://127.0.0.1:1', '--cacert', 'a.crt', '--cacert', 'b.crt'], /--cacert is given twice/],
      [['audit', 'rediss://127.0.0.1:1', '--cert', 'a.crt', '--cert=b.crt'], /--cert is given twice/],
      [['audit', '--config', 'a.conf', '--baseline', 'a.json', '--baseline', 'b.json'], /--baseline is given twice/],
      [['audit', '--config', 'a.conf', '--baseline-write', 'a.json', '--baseline-write', 'b.json'], /--baseline-write is given twice/],
      [['audit', '--config', 'a.conf', '--config-file', 'a.yaml', '--config-file', 'b.yaml'], /--config-file is given twice/],
      [['audit', '--targets', 'a.txt', '--targets', 'b.txt'], /--targets is given twice/],
    ];
    for (const [args, pattern] of cases) oneLineError(await runCli(args, { cwd: dir }), pattern);
  });
});
