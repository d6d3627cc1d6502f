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

// A config file whose own bind line redis-server cannot listen on (QA37-4: the audit refuses it, exit 2) was refused by
// harden too, though harden writes a bind line of its own: it now replaces that line, says so in PLAN.md, and its
// trial start passes. The audit still refuses the file.
describe('harden of a config whose bind line cannot be listened on', () => {
  const cases: [string, string, RegExp][] = [
    ['a wildcard beside an address', '127.0.0.1 0.0.0.0', /bind addresses '127\.0\.0\.1' and '0\.0\.0\.0' cannot both be listened on/],
    ['an address and its port', '0.0.0.0:6379', /bind address '0\.0\.0\.0:6379' is not an address/],
  ];
  for (const [name, bind, why] of cases) {
    it(`replaces ${name} with its own bind, says so, and the trial passes`, async () => {
      const input = join(work, `unlistenable-${bind.replace(/[^0-9a-z]/gi, '')}.conf`);
      writeFileSync(input, `port 6379\nbind ${bind}\nprotected-mode no\n`);
      const audit = await redfort(['audit', '--config', input, '--redis-version', '7.0.15']);
      assert.equal(audit.code, 2, audit.stdout);
      assert.match(audit.stderr, why);
      const out = join(work, `repaired-${bind.replace(/[^0-9a-z]/gi, '')}`);
      const run = await redfort(['harden', '--config', input, '--redis-version', '7.0.15', '--out', out]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /^Trial start: passed: /m);
      assert.match(run.stdout, /^network\.bind-all-interfaces +\S+ +pass$/m);
      const conf = readFileSync(join(out, 'redis.conf'), 'utf8');
      assert.deepEqual(conf.match(/^bind .*$/gm), ['bind 127.0.0.1 -::1']);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.ok(plan.includes(`**bind: the line at ${input}:2 could not be listened on, and is replaced by \`bind 127.0.0.1 -::1\`.**`), plan);
      assert.match(plan, why);
      assert.match(plan, /give `--bind ADDR\.\.\.` for the private addresses your clients use/);
    });
  }

  it('replaces it with --bind, and overrides one in an include (which harden does not edit)', async () => {
    const include = join(work, 'bind-include.conf');
    writeFileSync(include, 'bind 10.0.0.5 10.0.0.5\n');
    const input = join(work, 'with-include.conf');
    writeFileSync(input, `port 6379\ninclude ${include}\n`);
    const out = join(work, 'repaired-include');
    const run = await redfort(['harden', '--config', input, '--redis-version', '7.0.15', '--out', out, '--bind', '10.0.0.6']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^Trial start: passed: /m);
    const conf = readFileSync(join(out, 'redis.conf'), 'utf8');
    assert.deepEqual(conf.match(/^bind .*$/gm), ['bind 10.0.0.6']);
    assert.ok(conf.indexOf('bind 10.0.0.6') > conf.indexOf(`include ${include}`), conf);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.ok(plan.includes(`**bind: the line at ${include}:1 could not be listened on, and is overridden (harden does not edit includes; remove it by hand) by \`bind 10.0.0.6\` (--bind).**`), plan);
  });

  it("replaces a sentinel.conf's", async () => {
    const input = join(work, 'sentinel-unlistenable.conf');
    writeFileSync(input, 'port 26379\nbind 10.0.0.5 0.0.0.0\nsentinel monitor mymaster 127.0.0.1 6379 2\n');
    const audit = await redfort(['audit', '--sentinel-config', input, '--redis-version', '7.0.15']);
    assert.equal(audit.code, 2, audit.stdout);
    const out = join(work, 'repaired-sentinel');
    const run = await redfort(['harden', '--sentinel-config', input, '--redis-version', '7.0.15', '--out', out, '--bind', '10.0.0.5']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^Trial start: passed: /m);
    assert.deepEqual(readFileSync(join(out, 'sentinel.conf'), 'utf8').match(/^bind .*$/gm), ['bind 10.0.0.5']);
    assert.ok(readFileSync(join(out, 'PLAN.md'), 'utf8').includes(`**Sentinel bind: the line at ${input}:2 could not be listened on, and is replaced by \`bind 10.0.0.5\` (--bind).**`));
  });
});
