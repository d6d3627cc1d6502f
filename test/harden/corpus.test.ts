import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { binaryVersion, runTrial } from '../../src/harden/trial.ts';
import { filesUnder, passwordsIn, redfort } from './run.ts';

// Every real-world redis.conf of the corpus that Debian's redis-server accepts: harden, start, re-audit (the
// command's exit code 0 means the trial start passed and every rule it fixes passes), keep every comment line,
// harden the output again (an empty diff), and no password outside credentials.env.

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-corpus-'));
after(() => rmSync(work, { recursive: true, force: true }));

const entries = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n').slice(1)
  .map((row) => row.split('\t'))
  .filter((cells) => cells[4] === 'redis.conf')
  .map((cells) => cells[0]!);

function commentLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim().startsWith('#'));
}

describe('harden on the corpus', async () => {
  const version = (await binaryVersion('redis-server'))!;
  let accepted = 0;
  for (const [i, file] of entries.entries()) {
    it(file, async (t) => {
      const dir = join(work, String(i));
      const input = join(mkdtempSync(`${dir}-in-`), 'redis.conf');
      copyFileSync(join(CORPUS, file), input);
      const probe = mkdtempSync(`${dir}-probe-`);
      const start = await runTrial({ kind: 'redis', conf: input, workDir: probe, cwd: probe, overrides: [['unixsocket', join(probe, 's')], ['cluster-config-file', join(probe, 'nodes.conf')]], stdinLines: [], logins: [] });
      if (!start.ok) {
        // Not a file this redis-server accepts (a template, another version's directive, an include elsewhere).
        t.diagnostic(`not accepted by redis-server ${version}: ${start.detail}`);
        return;
      }
      accepted++;
      const out = `${dir}-out`;
      const first = await redfort(['harden', '--config', input, '--redis-version', version, '--out', out]);
      if (first.code === 2 && /unrendered template placeholder/.test(first.stderr)) {
        // The server takes `{{ x }}` literally; redfort asks for the rendered file instead of hardening a template.
        assert.equal(first.stderr.trim().split('\n').length, 1);
        t.diagnostic(first.stderr.trim());
        return;
      }
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      const hardened = readFileSync(join(out, 'redis.conf'), 'utf8');
      const kept = commentLines(hardened);
      for (const line of commentLines(readFileSync(input, 'utf8'))) {
        const at = kept.indexOf(line);
        assert.ok(at !== -1, `comment line lost: ${line}`);
        kept.splice(at, 1);
      }
      const passwords = passwordsIn(join(out, 'credentials.env'));
      assert.ok(passwords.length >= 2, 'admin and auditor at least');
      for (const name of filesUnder(out).filter((f) => f !== 'credentials.env')) {
        const text = readFileSync(join(out, name), 'utf8');
        for (const p of passwords) assert.ok(!text.includes(p), `a password in ${name}`);
      }
      const again = await redfort(['harden', '--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--redis-version', version, '--out', `${out}2`]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.equal(readFileSync(join(`${out}2`, 'redis.conf.diff'), 'utf8'), '', 'a second harden changes nothing');
      assert.equal(readFileSync(join(`${out}2`, 'users.acl'), 'utf8'), readFileSync(join(out, 'users.acl'), 'utf8'));
      assert.deepEqual(passwordsIn(join(`${out}2`, 'credentials.env')), []);
    });
  }
  it('enough of the corpus starts to mean something', () => {
    assert.ok(accepted >= 10, `only ${accepted} corpus files start on this redis-server`);
  });
});
