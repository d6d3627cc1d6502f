import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA41-4: a TLS master (plaintext port beside it) with two replicas: one replicates over TLS (its replicaof names the
// master's tls-port, tls-replication yes), the other in clear text (the master's plaintext port, tls-replication no).
// The master lists each by the port it announces: the TLS one's tls-port, the clear-text one's plaintext port. Seeded
// over TLS, the clear-text replica is an error entry (a TLS handshake with its plaintext port), and the deployment entry
// passed tls.replication-plaintext ('1 of 2 replicas replicate over TLS') and replication.no-masteruser over the other:
// the one not judged is the very replica in clear text. Not judged and no failure is a skip.
after(stopAll);
const PW = 'Unjudged-Replica-Secret-5e81c2';
const REPL = { user: 'repl', pass: 'Repl-Secret-0c47d9a3b1' };

describe('a deployment with a replica the run cannot reach', () => {
  let master: RunningServer;
  let inClear: RunningServer;
  before(async () => {
    master = await startRedis({ tls: { plaintextPort: true, authClients: 'no' }, password: PW, conf: `requirepass ${PW}\ntls-replication yes\nuser ${REPL.user} on >${REPL.pass} resetchannels -@all +psync +replconf +ping`, killOnStop: true });
    const tls = { certs: master.certs, plaintextPort: true, authClients: 'no' } as const;
    const common = { tls, password: PW, masteruser: REPL.user, masterauth: REPL.pass, killOnStop: true };
    inClear = await startReplica(master, { ...common, conf: `requirepass ${PW}` });
    await startReplica(master, { ...common, conf: `requirepass ${PW}\nreplicaof ${master.host} ${master.tlsPort}\ntls-replication yes` });
  });

  it('skips tls.replication-plaintext and replication.no-masteruser, naming the replica not judged', async () => {
    const seed = resolveTarget(`rediss://${master.host}:${master.tlsPort}`, { cacert: master.certs!.ca, pass: PW }, {});
    const results = await auditDeployment(seed, { noHost: true, noProbe: true, kind: 'replication' });
    const unreached = results.find((r) => r.target === `rediss://${inClear.host}:${inClear.port}`);
    assert.ok(unreached?.error, results.map((r) => `${r.target}: ${r.error ?? 'ok'}`).join('\n'));
    const verdict = (id: string) => results[0]!.results.filter((x) => x.ruleId === id).map((x) => [x.status, x.message]);
    const notJudged = `not judged: ${inClear.host}:${inClear.port}: `;
    const [tlsVerdict] = verdict('tls.replication-plaintext');
    assert.equal(tlsVerdict?.[0], 'skip', tlsVerdict?.[1]);
    assert.ok(tlsVerdict![1]!.startsWith(`1 of 2 replicas replicate over TLS (tls-replication yes); ${notJudged}`), tlsVerdict![1]);
    const [userVerdict] = verdict('replication.no-masteruser');
    assert.equal(userVerdict?.[0], 'skip', userVerdict?.[1]);
    assert.ok(userVerdict![1]!.startsWith(`1 of 2 replicas judged, none failing; ${notJudged}`), userVerdict![1]);
  });
});
