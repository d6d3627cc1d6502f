import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA41-6: host.data-file-permissions said "others may read it" (medium) of the AOF files, appendonlydir and the log,
// mode 644/755, though each lies in a redis:redis 0750 directory that other users cannot search: they cannot reach
// them (`runuser -u nobody -- cat …/redis.log`: Permission denied). A directory above a file that keeps others out
// is judged with it now. Real 7.0.15 run as the redis user (umask 022: the files are 644, the AOF directory 755).
const ROOT = process.getuid?.() === 0;

describe('host.data-file-permissions: files inside a 0750 directory others cannot search', ROOT ? {} : { skip: 'needs root: runs the server as redis' }, () => {
  after(stopAll);
  const top = mkdtempSync(join(tmpdir(), 'redfort-keptout-'));
  after(() => rmSync(top, { recursive: true, force: true }));
  let server: RunningServer;
  let results: readonly RuleResult[];
  const data = join(top, 'data');
  const logs = join(top, 'log');

  before(async () => {
    chmodSync(top, 0o755);
    const redis = { uid: Number(execFileSync('id', ['-u', 'redis'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'redis'], { encoding: 'utf8' })) };
    for (const d of [data, logs]) {
      mkdirSync(d);
      chownSync(d, redis.uid, redis.gid);
      chmodSync(d, 0o750);
    }
    server = await startRedis({ user: 'redis', conf: [`dir ${data}`, `logfile ${join(logs, 'redis.log')}`, 'appendonly yes'].join('\n') });
    const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
    assert.equal(r.error, undefined);
    results = r.results;
  });

  it('the runtime files are 644/755 (the premise) and the rule does not say others may read them', () => {
    const entries = results.filter((x) => x.ruleId === 'host.data-file-permissions');
    const text = entries.map((x) => `${x.status} ${x.message}`).join('\n');
    assert.ok(entries.length > 0);
    assert.ok(entries.every((x) => x.status === 'pass'), text);
    assert.doesNotMatch(text, /others may/);
    assert.match(text, new RegExp(`${join(data, 'appendonlydir').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(AOF directory\\): mode 755, redis:redis \\(others' rights, but ${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(750\\) keeps other users out: a chmod of that directory would expose it\\)`));
    assert.match(text, /redis\.log \(log file\): mode 644, redis:redis \(others' rights, but .*\/log \(750\) keeps other users out/);
  });

  it('with the data directory opened to others (755), the AOF files are findings again', async () => {
    chmodSync(data, 0o755);
    const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
    const entries = r.results.filter((x) => x.ruleId === 'host.data-file-permissions');
    assert.ok(entries.every((x) => x.status === 'fail'), entries.map((x) => `${x.status} ${x.message}`).join('\n'));
    assert.ok(entries.some((x) => /appendonly\.aof\.1\.base\.rdb \(AOF file\): mode 644, redis:redis: others may read it/.test(x.message)));
    assert.ok(!entries.some((x) => /redis\.log/.test(x.message)), 'the log stays behind its own 750 directory');
  });
});
