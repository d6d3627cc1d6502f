import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';

// The fix texts of network.bind-all-interfaces, network.protected-mode-off, network.default-port, tls.disabled,
// logging.syslog-disabled and logging.loglevel-too-quiet said `CONFIG SET …` and "in redis.conf" to a sentinel, which
// has no CONFIG command; bind's proposed `bind 127.0.0.1 -::1`, which cuts a sentinel off from the other sentinels,
// and protected-mode's `protected-mode yes` alone, which refuses them too (Debian's packaged sentinel.conf fails both).
const RULES = ['network.bind-all-interfaces', 'network.protected-mode-off', 'network.default-port', 'tls.disabled', 'logging.syslog-disabled', 'logging.loglevel-too-quiet'];
const OPEN = 'port 26379\nbind 0.0.0.0\nprotected-mode no\nloglevel warning\n';
const fixes = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id && x.status === 'fail').map((x) => x.remediation ?? '');

describe('fix texts for a sentinel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-sentinel-fix-'));
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stopAll();
  });

  it('a sentinel.conf: every fix text names sentinel.conf, none says CONFIG SET; a redis.conf keeps its own', async () => {
    writeFileSync(join(dir, 'sentinel.conf'), `${OPEN}sentinel monitor mymaster 10.0.0.1 6379 2\n`);
    writeFileSync(join(dir, 'redis.conf'), OPEN.replace('26379', '6379'));
    const sentinel = await auditFiles({ sentinelConfigPath: join(dir, 'sentinel.conf'), version: '7.0.15' });
    const server = await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' });
    for (const id of RULES) {
      const [text] = fixes(sentinel, id);
      assert.ok(text, `${id} fails on the sentinel`);
      assert.match(text, /sentinel\.conf/, `${id}: ${text}`);
      assert.doesNotMatch(text, /`CONFIG SET|CONFIG REWRITE|redis\.conf/, `${id}: ${text}`);
      assert.match(fixes(server, id)[0] ?? "", /CONFIG SET|redis\.conf/, `${id} on redis.conf`);
    }
    // QA44-4: what `loglevel warning` loses, by mode (connections are logged at verbose only; failovers at warning).
    const message = (r: TargetResult) => r.results.find((x) => x.ruleId === 'logging.loglevel-too-quiet')?.message ?? '';
    assert.match(message(sentinel), /^loglevel is 'warning': the replicas and sentinels it discovers \(\+slave, \+sentinel\)/);
    assert.match(message(server), /^loglevel is 'warning': REPLICAOF and MASTER MODE changes with the client that asked/);
    for (const r of [sentinel, server]) assert.doesNotMatch(message(r), /connections|failovers/);
    assert.doesNotMatch(fixes(sentinel, 'network.bind-all-interfaces')[0]!, /bind 127\.0\.0\.1/);
    assert.match(fixes(sentinel, 'network.protected-mode-off')[0]!, /requirepass.*the same on every sentinel.*sentinel-user/);
  });

  it('a live 7.0 sentinel refuses CONFIG SET and SENTINEL CONFIG SET loglevel: its loglevel fix says sentinel.conf and a restart', async () => {
    const master = await startRedis({ killOnStop: true });
    const [sentinel] = await startSentinels(1, master, { requirepass: 'sentinel-fix-texts-0123456789abcdef', quorum: 1, conf: 'loglevel warning' });
    const raw = (args: string[]) => rawCommand(sentinel!.host, sentinel!.port, args, { password: 'sentinel-fix-texts-0123456789abcdef' }).then(String, (e: Error) => e.message);
    assert.match(await raw(['CONFIG', 'SET', 'loglevel', 'notice']), /unknown command/i);
    assert.match(await raw(['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'notice']), /Invalid argument 'loglevel'/);
    const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${sentinel!.port}`, {}, { REDISCLI_AUTH: 'sentinel-fix-texts-0123456789abcdef' }));
    const [text] = fixes(result, 'logging.loglevel-too-quiet');
    assert.match(text ?? '', /in sentinel\.conf and restart the sentinel .*loglevel only from 7\.2/);
  });
});
