import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, writeCase } from './listeners.ts';
import { CASES, expectAgreement, outcomeOf, recorded } from './module-configs.ts';
import { conf, load } from './helpers.ts';
import { effectiveConfig } from '../../src/gather/conf/redis-conf.ts';

// Unknown directives with a value: Redis 8 takes them for a module's config (see ./module-configs.ts). Debian's 7.0.15
// runs each snippet here; what the builds of 8.0.6, 8.6.3 and Valkey 9.1.2 did is recorded
// (test/fixtures/module-configs/builds.json; test/builds/module-configs.test.ts runs them).

const work = mkdtempSync(join(tmpdir(), 'redfort-module-configs-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('unknown directives and module configs versus the real servers', () => {
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  for (const snippet of CASES) {
    it(`redis-server (Debian): ${JSON.stringify(snippet)}: the parser refuses it where the server does not start`, async () => {
      const { outcome, path, dir, text } = await outcomeOf('redis-server', work, snippet);
      expectAgreement(version, text, outcome, parse(path, dir, version, false));
    });
  }
  for (const [name, { version: recordedVersion, outcomes }] of Object.entries(recorded())) {
    for (const snippet of CASES) {
      it(`${name} (recorded): ${JSON.stringify(snippet)}: the parser refuses it where the server did not start`, async () => {
        const { dir, path, text } = await writeCase(work, snippet);
        const outcome = outcomes[snippet];
        if (outcome === undefined) throw new Error(`test/fixtures/module-configs/builds.json has no outcome of ${name} for ${JSON.stringify(snippet)}`);
        expectAgreement(recordedVersion, text, outcome, parse(path, dir, recordedVersion, false));
      });
    }
  }
});

describe('Redis 8 module configs without a prefix', () => {
  const FULL = 'loadmodule /opt/redis/modules/redisearch.so\nloadmodule /opt/redis/modules/redistimeseries.so\nsearch-workers 4\nts-num-threads 3\n';

  it("redis-full.conf's search-*/ts-* lines with their loadmodule lines: taken on 8.x, refused on 7.4 and Valkey 9.1", () => {
    for (const v of ['8.0.6', '8.6.3']) {
      const eff = conf(FULL, { version: v });
      assert.equal(eff.config.get('search-workers')?.value, '4');
      // A module must declare it, else the server stops once the modules are loaded: said, not refused.
      assert.match(eff.warnings.find((w) => w.includes(':3: ')) ?? '', /:3: unknown directive (?:'search-workers'|\(not shown: [^)]*\)) is no Redis 8\.\d directive: .* takes it for a module's config, which a module it loads must declare/);
    }
    for (const v of ['7.4.1', 'valkey-9.1.2']) {
      assert.throws(() => conf(FULL, { version: v }), /unknown directive (?:'search-workers'|\(not shown: [^)]*\)) \(not in .*\): redis-server refuses to start \(Bad directive/);
    }
  });

  it('without a loadmodule line, Redis 8 refuses once the file is read, in its words; a later refused line comes first', () => {
    assert.throws(() => conf('bogus-directive yes\n', { version: '8.6.3' }), /^.*:1: unknown directive (?:'bogus-directive'|\(not shown: [^)]*\)), which Redis 8\.6 takes for a module's config, without a loadmodule line: redis-server refuses to start once it has read the file \(Module Configuration detected without loadmodule directive\)/);
    assert.throws(() => conf('bogus-directive yes\nmaxclients 0\n', { version: '8.0.6' }), /:2: /);
    // No value: Bad directive at the line, on 8.x too.
    assert.throws(() => conf('bogusdirective\n', { version: '8.6.3' }), /:1: unknown directive (?:'bogusdirective'|\(not shown: [^)]*\)) .*Bad directive or wrong number of arguments/);
  });

  it("8.6's built-in vector sets take vset-force-single-threaded-execution without a loadmodule line; 8.0.6's do not", () => {
    assert.equal(conf('vset-force-single-threaded-execution yes\n', { version: '8.6.3' }).config.get('vset-force-single-threaded-execution')?.value, 'yes');
    assert.throws(() => conf('vset-force-single-threaded-execution yes\n', { version: '8.0.6' }), /Module Configuration detected without loadmodule directive/);
  });

  it('the version not given: a warning where Redis 8 may take it, the refusal where no release does', () => {
    const files = { '/etc/redis/redis.conf': FULL };
    const loaded = load(files);
    assert.ok(loaded.warnings.some((w) => /:3: unknown directive (?:'search-workers'|\(not shown: [^)]*\)) \(not in .*; redis-server would refuse it: Bad directive or wrong number of arguments; Redis 8 takes it for a module's config, which a module it loads must declare\)/.test(w)), loaded.warnings.join('\n'));
    assert.equal(effectiveConfig(loaded, {}).config.get('search-workers')?.value, '4');
    assert.throws(() => conf('bogus-directive yes\n'), /Bad directive or wrong number of arguments; Redis 8 once it has read the file: Module Configuration detected without loadmodule directive/);
  });
});
