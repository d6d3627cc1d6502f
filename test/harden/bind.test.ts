import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

// harden wrote any --bind into redis.conf, and its trial start (which binds 127.0.0.1 itself) said "passed" for
// files redis-server refuses to start with (QA37-6: real 7.4.1, 'Could not create server TCP listening socket
// 127.0.0.1:6379:PORT: Name or service not known', and for '127.0.0.1 0.0.0.0' 'Address already in use').
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-bind-'));
after(() => rmSync(work, { recursive: true, force: true }));
const conf = join(work, 'redis.conf');
writeFileSync(conf, 'bind 0.0.0.0\nport 6379\nprotected-mode no\n');

describe('harden --bind', () => {
  const refusals: [string, string[], RegExp][] = [
    ['an address and its port', ['127.0.0.1:6379'], /^redfort: --bind 127\.0\.0\.1:6379: bind address '127\.0\.0\.1:6379' is not an address: a word with ':' is read as an IPv6 address/],
    ['0.0.0.0 beside 127.0.0.1', ['127.0.0.1', '0.0.0.0'], /^redfort: --bind 127\.0\.0\.1 0\.0\.0\.0: bind addresses '127\.0\.0\.1' and '0\.0\.0\.0' cannot both be listened on/],
    ['digits and dots that are no IPv4 address', ['999.1.1.1'], /^redfort: --bind '999\.1\.1\.1' is not an IPv4 address/],
    ['an IPv4-mapped IPv6 address', ['::ffff:127.0.0.1'], /IPv4-mapped IPv6 address/],
  ];
  for (const [name, bind, message] of refusals) {
    it(`refuses ${name}: exit 2, nothing written`, async () => {
      const out = join(work, `out-${bind.join('_').replace(/[^0-9a-z]/gi, '')}`);
      const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out, '--bind', ...bind]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr.trim(), message);
      assert.equal(existsSync(out), false);
    });
  }

  it("refuses the '-' of an optional address for Redis 6.0, which cannot read it, and takes it for 6.2", async () => {
    const out60 = join(work, 'out-60');
    const six = await redfort(['harden', '--config', conf, '--redis-version', '6.0.20', '--out', out60, '--bind', '127.0.0.1', '--bind=-::1']);
    assert.equal(six.code, 2, six.stderr);
    assert.match(six.stderr, /the '-' prefix of an optional address came with 6\.2/);
    assert.equal(existsSync(out60), false);
    const out62 = join(work, 'out-62');
    const later = await redfort(['harden', '--config', conf, '--redis-version', '6.2.16', '--out', out62, '--bind', '127.0.0.1', '--bind=-::1']);
    assert.notEqual(later.code, 2, later.stderr);
    assert.match(readFileSync(join(out62, 'redis.conf'), 'utf8'), /^bind 127\.0\.0\.1 -::1$/m);
  });

  it('writes addresses redis-server listens on together as given', async () => {
    const out = join(work, 'out-ok');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out, '--bind', '127.0.0.1', '10.0.0.5']);
    assert.notEqual(run.code, 2, run.stderr);
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), /^bind 127\.0\.0\.1 10\.0\.0\.5$/m);
  });
});
