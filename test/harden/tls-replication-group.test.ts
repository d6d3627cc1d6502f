import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { freePort } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA39-14: harden --tls-* on a replica wrote `tls-replication yes` and kept `replicaof <master> <plaintext port>`: the
// replica then sent a TLS hello to its master's plaintext port and replication stayed down (exit 0, trial passed).
// QA39-13: `--profile strict` with --sentinel-config closed the master's plaintext port (`port 0`) while the
// sentinel.conf it wrote still monitored it: the Sentinel marked the master down at once. A replication group moves
// to TLS as a whole, by hand: harden holds tls-replication (and strict's port 0) for its nodes and says how.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-tls-group-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function harden(name: string, conf: string, extra: readonly string[] = []): Promise<{ code: number; stdout: string; conf: string; plan: string; out: string }> {
  const certs = await makeCerts();
  const dir = mkdtempSync(join(work, `${name}-`));
  const path = join(dir, 'redis.conf');
  writeFileSync(path, conf.replaceAll('DIR', dir));
  const out = join(dir, 'out');
  const run = await redfort(['harden', '--config', path, '--redis-version', '7.0.15', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca, '--out', out, ...extra.map((e) => e.replaceAll('DIR', dir))]);
  return { code: run.code, stdout: run.stdout + run.stderr, conf: readFileSync(join(out, 'redis.conf'), 'utf8'), plan: readFileSync(join(out, 'PLAN.md'), 'utf8'), out };
}

const directive = (conf: string, name: string): string | undefined => conf.split('\n').find((l) => l.startsWith(`${name} `));

describe('harden and TLS in a replication group (QA39-13, QA39-14)', () => {
  it('a replica: TLS listens, tls-replication stays no, and PLAN.md says how the group moves', async () => {
    const port = await freePort();
    const run = await harden('replica', `port ${port}\ndir DIR\nsave ""\nreplicaof 127.0.0.1 ${port + 100}\n`);
    assert.equal(run.code, 0, run.stdout);
    assert.match(directive(run.conf, 'tls-port') ?? '', /^tls-port \d+$/);
    assert.equal(directive(run.conf, 'tls-replication'), undefined, run.conf);
    assert.equal(directive(run.conf, 'replicaof'), `replicaof 127.0.0.1 ${port + 100}`);
    assert.match(run.plan, new RegExp(`TLS replication: this replica follows 127\\.0\\.0\\.1:${port + 100}, .*harden left \`tls-replication no\`, so that replication and failover keep working.*REPLICAOF <master> <its tls-port>`));
    // It fails after, honestly, and is not claimed (the last column: harden fixes it).
    assert.match(run.plan, /^\| tls\.replication-plaintext \| \w+ \| fail \| {2}\|$/m, 'not claimed as fixed');
  });

  it('strict with the sentinel.conf beside: the plaintext port the Sentinel monitors stays open', async () => {
    const port = await freePort();
    const sentinel = `port ${port + 200}\ndir DIR\nsentinel monitor m1 127.0.0.1 ${port} 2\nsentinel down-after-milliseconds m1 5000\n`;
    const dir = mkdtempSync(join(work, 'sentinel-'));
    writeFileSync(join(dir, 'sentinel.conf'), sentinel.replaceAll('DIR', dir));
    const run = await harden('strict', `port ${port}\ndir DIR\nsave ""\n`, ['--profile', 'strict', '--sentinel-config', join(dir, 'sentinel.conf')]);
    assert.equal(directive(run.conf, 'port'), `port ${port}`, run.conf);
    assert.equal(directive(run.conf, 'tls-replication'), undefined);
    assert.match(run.plan, new RegExp(`The plaintext port ${port} stays open although the profile is strict`));
    assert.match(run.plan, /and the plaintext port open \(profile strict\).*on every Sentinel set tls-replication yes with tls-cert-file, tls-key-file and tls-ca-cert-file, and monitor the master's tls-port/);
    const sentinelConf = readFileSync(join(run.out, 'sentinel.conf'), 'utf8');
    assert.match(sentinelConf, new RegExp(`^sentinel monitor m1 127\\.0\\.0\\.1 ${port} 2$`, 'm'));
    // QA42-58: the sentinel gets its TLS listener too, and is held with its master: it monitors the plaintext port.
    assert.match(directive(sentinelConf, 'tls-port') ?? '', /^tls-port \d+$/, sentinelConf);
    assert.notEqual(directive(sentinelConf, 'tls-port'), directive(run.conf, 'tls-port'), "not the server's TLS port");
    assert.equal(directive(sentinelConf, 'tls-replication'), undefined);
    assert.equal(directive(sentinelConf, 'port'), `port ${port + 200}`);
    assert.match(run.stdout, /^Sentinel TLS: tls-port \d+ \(port \+ \d+\); tls-replication left no and the plaintext port open: /m);
    assert.equal(run.code, 0, run.stdout);
  });

  it('a server alone under strict still closes its plaintext port and turns tls-replication on', async () => {
    const port = await freePort();
    const run = await harden('alone', `port ${port}\ndir DIR\nsave ""\n`, ['--profile', 'strict']);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(directive(run.conf, 'port'), 'port 0');
    assert.equal(directive(run.conf, 'tls-replication'), 'tls-replication yes');
    assert.doesNotMatch(run.plan, /TLS replication: /);
  });
});
