import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { realBuild, type BuildName } from '../harness/builds.ts';
import { startRedisExpectingExit, startRedis, stopAll } from '../harness/servers.ts';

// QA41-105: two files redis-server refuses were judged, exiting by their findings: a UTF-8 byte-order mark (a warning
// only) and, told Redis 6.x, a glob `include` whose matches redfort read although 6.x opens the pattern as one file
// name. Each is now the line the server stops at: one error naming file:line (exit 2), as the real servers refuse.

after(stopAll);
const base = mkdtempSync(join(tmpdir(), 'redfort-refused-'));
after(() => rmSync(base, { recursive: true, force: true }));

describe('a UTF-8 byte-order mark', () => {
  for (const [name, binary] of [['Debian 7.0.15', 'redis-server'], ['redis-6.0.20', realBuild('redis-6.0.20')], ['redis-8.6.3', realBuild('redis-8.6.3')], ['valkey-9.1.2', realBuild('valkey-9.1.2')]] as const) {
    it(`${name} refuses to start; the audit of the file is the error at its line 1`, async () => {
      const srv = await startRedisExpectingExit({ binary, confText: (port) => `\uFEFFuser default off\nport ${port}\nbind 127.0.0.1\n` });
      try {
        assert.notEqual(srv.exitCode, 0, srv.output);
        assert.match(srv.output, />>> '\uFEFFuser default off'/);
        const audited = await auditFiles({ configPath: srv.confPath });
        assert.equal(audited.error, `${srv.confPath}:1: starts with a UTF-8 byte-order mark, which redis-server reads as part of the first line: Bad directive or wrong number of arguments (redis-server refuses to start; save the file without it)`);
      } finally {
        await srv.stop();
      }
    });
  }

  it('in an included file too', async () => {
    const dir = join(base, 'bom-include');
    mkdirSync(dir);
    writeFileSync(join(dir, 'inc.conf'), '\uFEFF# included\nprotected-mode no\n');
    writeFileSync(join(dir, 'top.conf'), `port 7000\ninclude ${join(dir, 'inc.conf')}\n`);
    assert.match((await auditFiles({ configPath: join(dir, 'top.conf'), version: '7.0.15' })).error ?? '', /inc\.conf:1: starts with a UTF-8 byte-order mark/);
  });
});

describe('a glob include told Redis 6.x', () => {
  for (const name of ['redis-6.0.20', 'redis-6.2.16'] as const satisfies readonly BuildName[]) {
    it(`${name} opens the pattern as one file name: no such file is the error, a file of that very name is read`, async () => {
      const dir = join(base, name);
      mkdirSync(join(dir, 'conf.d'), { recursive: true });
      writeFileSync(join(dir, 'conf.d', 'a.conf'), 'protected-mode no\n');
      writeFileSync(join(dir, 'conf.d', 'b.conf'), 'protected-mode yes\n');
      const version = name.slice('redis-'.length);
      const refused = await startRedisExpectingExit({ binary: realBuild(name), confText: (port) => `include ${dir}/conf.d/*.conf\nport ${port}\nbind 127.0.0.1\n` });
      try {
        assert.match(refused.output, /Fatal error, can't open config file '.*\/conf\.d\/\*\.conf'/);
        const audited = await auditFiles({ configPath: refused.confPath, version });
        assert.match(audited.error ?? '', new RegExp(`^\\S+:1: include: can't open config file '\\S+/conf\\.d/\\*\\.conf': no such file .*\\(redis-server refuses to start: Redis ${version.slice(0, 3).replace('.', '\\.')} has no glob includes, it opens the pattern as one file name`));
        assert.doesNotMatch(audited.error ?? '', /\n/);
        // The same pattern read by 7.x: its matches (b.conf, last), as before.
        const seven = await auditFiles({ configPath: refused.confPath, version: '7.0.15' });
        assert.equal(seven.error, undefined);
        assert.deepEqual(seven.results.find((r) => r.ruleId === 'network.protected-mode-off')?.source, { kind: 'file', path: join(dir, 'conf.d', 'b.conf'), line: 1 });
      } finally {
        await refused.stop();
      }
      // A file named `*.conf`: 6.x reads it (and starts), and so does the audit; the matches are not read.
      writeFileSync(join(dir, 'conf.d', '*.conf'), 'maxmemory 1mb\n');
      const started = await startRedis({ binary: realBuild(name), confText: (port) => `include ${dir}/conf.d/*.conf\nport ${port}\nbind 127.0.0.1\n`, killOnStop: true });
      try {
        const audited = await auditFiles({ configPath: started.confPath, version });
        assert.equal(audited.error, undefined);
        assert.ok(!audited.results.some((r) => r.source?.kind === 'file' && /\/conf\.d\/[ab]\.conf$/.test(r.source.path)), 'no verdict from a file 6.x never reads');
      } finally {
        await started.stop();
      }
    });
  }
});

// QA41-16: `lua-enable-deprecated-api` came with patch releases (6.2.20, 7.2.11, 7.4.6, 8.0.4, 8.2.2), but the
// directive table is per minor: told 7.2.6, the file was judged (commands.protected-features-enabled fail) though
// that release refuses the line and does not start.
describe('a directive a later patch release brought', () => {
  for (const [name, version, refuses] of [['redis-6.2.16', '6.2.16', '6.2.20'], ['redis-7.2.6', '7.2.6', '7.2.11'], ['redis-8.0.6', '8.0.6', undefined]] as const) {
    it(`${name} ${refuses ? 'refuses' : 'takes'} lua-enable-deprecated-api, and so does the audit told ${version}`, async () => {
      const confText = (port: number) => `port ${port}\nbind 127.0.0.1\nlua-enable-deprecated-api yes\n`;
      if (refuses !== undefined) {
        const srv = await startRedisExpectingExit({ binary: realBuild(name), confText });
        try {
          assert.match(srv.output, />>> 'lua-enable-deprecated-api yes'\nBad directive or wrong number of arguments/);
          const audited = await auditFiles({ configPath: srv.confPath, version });
          assert.equal(audited.error, `${srv.confPath}:3: 'lua-enable-deprecated-api' is not a directive of Redis ${version} (added in ${refuses}): redis-server Redis ${version.slice(0, 3)} stops at this line (Bad directive or wrong number of arguments)`);
          // The release that brought it takes it.
          assert.equal((await auditFiles({ configPath: srv.confPath, version: refuses })).error, undefined);
        } finally {
          await srv.stop();
        }
      } else {
        const srv = await startRedis({ binary: realBuild(name), confText, killOnStop: true });
        try {
          const audited = await auditFiles({ configPath: srv.confPath, version });
          assert.equal(audited.error, undefined);
          assert.equal(audited.results.find((r) => r.ruleId === 'commands.protected-features-enabled')?.status, 'fail');
        } finally {
          await srv.stop();
        }
      }
    });
  }
});
