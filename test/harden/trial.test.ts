import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { binaryLabel, binaryVersion, findBinary, notTheTarget, runTrial, trialBinaries } from '../../src/harden/trial.ts';
import { resolveVersion } from '../../src/redis/directives.ts';

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

// Valkey's packages link redis-server to valkey-server, which prints `Valkey server v=8.0.1` (the real 8.0.1 build's
// line below): harden took it for Redis 8.0.1, said "checked with redis-server 8.0.1, not Valkey 8.0" of a trial on
// Valkey 8.0.1, and let a Redis 7.4 file pass its trial on Valkey without a word.
describe('the trial binary', () => {
  const fake = (name: string, line: string): string => {
    const dir = mkdtempSync(join(work, 'bin-'));
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho '${line}'\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it('reads a Valkey binary as Valkey, whatever its name, and Redis as Redis', async () => {
    const valkeyLine = 'Valkey server v=8.0.1 sha=00000000:1 malloc=libc bits=64 build=a33172d420346b61';
    assert.equal(await binaryVersion(fake('redis-server', valkeyLine)), 'valkey 8.0.1');
    assert.equal(await binaryVersion(fake('redis-server', 'Redis server v=7.4.1 sha=00000000:1 malloc=libc bits=64 build=ca7419a274267620')), '7.4.1');
    assert.match((await binaryVersion('redis-server')) ?? '', /^\d+\.\d+\.\d+$/, 'the local (Debian) redis-server is Redis');
    assert.equal(binaryLabel('redis-server', 'valkey 8.0.1'), 'redis-server (valkey 8.0.1)');
    assert.equal(binaryLabel('valkey-server', 'valkey 8.0.1'), 'valkey-server 8.0.1');
    assert.equal(binaryLabel('redis-server', '7.4.1'), 'redis-server 7.4.1');
  });

  it('tries the product\'s own binary first, then the other name', async () => {
    assert.deepEqual(trialBinaries('redis', 'valkey'), ['valkey-server', 'redis-server']);
    assert.deepEqual(trialBinaries('sentinel'), ['redis-sentinel', 'valkey-sentinel']);
    const valkey = fake('valkey-server', 'Valkey server v=8.0.1 sha=00000000:1 malloc=libc bits=64 build=a33172d420346b61');
    assert.deepEqual(await findBinary([join(work, 'no-such-redis-server'), valkey]), { binary: valkey, version: 'valkey 8.0.1' });
  });

  it('says a trial on another product or an older release does not stand for the target', () => {
    const v = resolveVersion;
    assert.equal(notTheTarget(v('valkey 8.0.1'), v('valkey-8.0.1')), false);
    assert.equal(notTheTarget(v('valkey 8.0.1'), v('7.4.1')), true, 'Valkey 8.0 is not Redis 7.4');
    assert.equal(notTheTarget(v('7.4.1'), v('valkey 8.0.1')), true);
    assert.equal(notTheTarget(v('7.0.15'), v('7.4.1')), true);
    assert.equal(notTheTarget(v('7.4.1'), v('7.0.15')), false);
  });
});
