import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findBinary, trialBinaries } from '../../src/harden/trial.ts';
import { resolveVersion, versionAtLeast } from '../../src/redis/directives.ts';
import { redfort } from './run.ts';

// harden writes its files into a staging directory beside --out (`.out.redfort-XXXX`), starts and re-audits them there,
// then renames it to --out: the trial's and the re-audit's messages named the staging directory, gone by the time
// anyone reads them (`.../.out.redfort-C7tJN9/redis.conf:418: 'locale-collate' is not a Redis 7.0 directive`, the
// corpus's Redis 7.2.6 redis.conf hardened where Debian's 7.0.15 is the local redis-server).
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-stage-'));
after(() => rmSync(work, { recursive: true, force: true }));

const local = await findBinary(trialBinaries('redis'));
// It needs a local redis-server older than 7.2 (Debian's 7.0.15): a 7.2 command.
const older = local !== undefined && !versionAtLeast(resolveVersion(local.version), 7, 2);

describe('harden names the files under --out, never its staging directory', { skip: older ? false : 'needs a local redis-server older than 7.2' }, () => {
  // The static re-audit's errors named them through the same mapping; its case (a 7.2 directive in files that name no
  // version, taken as the local 7.0) is refused before anything is staged since QA45-50 (test/harden/cli.test.ts).
  it("in the trial start's line (the server's own log names its ACL file)", async () => {
    const conf = join(work, 'redis-acl.conf');
    const acl = join(work, 'users.acl');
    writeFileSync(conf, `port 6379\naclfile ${acl}\n`);
    // WAITAOF is a 7.2 command: 7.0.15 refuses the ACL file, naming it and the line.
    const hash = createHash('sha256').update('Some-Long-Password-123456').digest('hex');
    writeFileSync(acl, `user default off\nuser app on #${hash} ~* +get +waitaof\n`);
    const out = join(work, 'out-trial');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.2.6', '--out', out]);
    assert.notEqual(run.code, 2, run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    for (const text of [run.stdout, plan]) {
      const trial = text.split('\n').find((l) => l.includes('Trial start'));
      assert.ok(trial, text);
      assert.ok(trial.includes(`${out}/users.acl:2: Error in applying operation '+waitaof'`), trial);
      assert.doesNotMatch(trial, /\.redfort-/);
    }
  });
});
