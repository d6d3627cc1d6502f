import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runTrial } from '../../src/harden/trial.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-trial-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('the trial start', () => {
  // A redis-server that exits before it reads its standard input (here: no config file) closed the pipe under the
  // write of the secret lines: an uncaught EPIPE took the whole process down with a stack trace (seen once in the
  // corpus test, where redis-server refused a file at once). 1 MiB outruns the pipe's buffer, so it always happens.
  it('reports a server that exits before reading its standard input, without an uncaught EPIPE', async () => {
    const dir = mkdtempSync(join(work, 'x-'));
    const lines = Array.from({ length: 16_384 }, (_, i) => ({ key: ['#', 'line', String(i)], secret: 'x'.repeat(48) }));
    const result = await runTrial({ kind: 'redis', conf: join(dir, 'missing.conf'), workDir: dir, cwd: dir, overrides: [], stdinLines: lines, logins: [] });
    assert.equal(result.ok, false);
    assert.match(result.detail, /did not start with the generated files: .*can't open config file/i);
  });

  // Redis echoes the line it refuses (`>>> 'sentinel auth-pass other <password>'`), standard input's secret lines
  // too, and the trial's reason went to harden's summary and to PLAN.md (mode 0644).
  it("never shows a password of its standard input in the reason a server refused it", async () => {
    const dir = mkdtempSync(join(work, 's-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port 0\ndir ${dir}\n`);
    // A generated password, and one kept from a --secrets file that the line quotes (its last word was taken for it).
    for (const secret of ['c0ffee00c0ffee00c0ffee00c0ffee00', 'open sesame "now"']) {
      const result = await runTrial({ kind: 'sentinel', conf, workDir: dir, cwd: dir, overrides: [], stdinLines: [{ key: ['sentinel', 'auth-pass', 'other'], secret }], logins: [] });
      assert.equal(result.ok, false);
      assert.match(result.detail, /did not start with the generated files: .*sentinel auth-pass other \*\*\*/);
      for (const word of secret.split(' ')) assert.ok(!result.detail.includes(word.replace(/"/g, '')), result.detail);
    }
  });
});
