// QA45-57: the trial is harden's proof that the files start, and it proves that only on the release they are for.
// `--redis-version 6.0.20` with Debian's 7.0.15 on PATH said "Trial start: passed: redis-server 7.0.15 started", exit
// 0 (a newer release takes lines 6.0 refuses: 7.0.15 starts on a users.acl with `resetchannels`, which 6.0.20 aborts
// on); and files that name no version were hardened for the local binary's release, a guess said only in PLAN.md.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findBinary, trialBinaries } from '../../src/harden/trial.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-trial-release-'));
after(() => rmSync(work, { recursive: true, force: true }));
const local = (await findBinary(trialBinaries('redis')))!;
const release = resolveVersion(local.version);
// Another release than the local one's (CI's is Debian's 7.0.15).
const otherVersion = release.major === 6 && release.minor === 0 ? '7.0.15' : '6.0.20';
const otherLabel = `Redis ${otherVersion.slice(0, 3)}`;
const conf = join(work, 'redis.conf');
writeFileSync(conf, 'port 6379\nbind 127.0.0.1\nrequirepass Old-shared-password-57\n');

describe('harden: a trial on another release than the target\'s proves nothing, and says so', () => {
  it('--redis-version of another release: the trial that started is unvalidated, naming both releases (exit 0, as a refusal there is)', async () => {
    const out = join(work, 'out-other');
    const run = await redfort(['harden', '--config', conf, '--redis-version', otherVersion, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const line = run.stdout.split('\n').find((l) => l.startsWith('Trial start: ')) ?? '';
    assert.match(line, new RegExp(`^Trial start: unvalidated: ${local.binary} \\S+ started on 127\\.0\\.0\\.1:\\d+ with the generated files; .*\\(the local ${local.binary} \\S+ is not ${otherLabel}: the output is unvalidated, its start proves nothing about ${otherLabel}; run the trial where ${otherLabel} is installed\\)$`), run.stdout);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /unvalidated/);
    assert.doesNotMatch(run.stdout, /^Version: /m, 'the version was given');
  });

  it('files that name no version: stdout says the version is the local binary\'s, a guess', async () => {
    const out = join(work, 'out-guess');
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const label = `Redis ${release.major}.${release.minor}`;
    assert.match(run.stdout, new RegExp(`^Version: hardened and tried for ${label.replace('.', '\\.')}, which may not be the server's \\(the files may not start there\\): the files name no version: ${local.version.replace(/\./g, '\\.')} is the local ${local.binary}'s, a guess; pass --redis-version`, 'm'), run.stdout);
    // The trial ran the release the files were made for: a pass.
    assert.match(run.stdout, /^Trial start: passed: /m, run.stdout);
  });
});
