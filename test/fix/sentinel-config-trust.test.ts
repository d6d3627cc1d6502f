import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

// QA41-51: fix took a sentinel's config file from INFO's config_file alone (the server's word) and, run as root, read
// it: a hostile "sentinel" on a local port (any user can run one; here a proxy in front of a real sentinel) that names
// another sentinel's root-only file got that file's `sentinel auth-pass` recorded in the rollback record, and sent
// back to it (SENTINEL SET … auth-pass) on rollback; the file was also recorded as a mode/owner restore target. A
// config file is now taken only from the host gatherer's verified answer: the process listening on the port is a
// Redis or Valkey server and was started with it (or its own user can read INFO's).
after(stopAll);

const SECRET = 'TOPSECRET-FROM-ROOT-FILE';

describe("fix reads no file a sentinel's INFO names on its word alone (QA41-51)", () => {
  it('records no value from it, no restore target for it, and sends none of it back on rollback', async () => {
    const master = await startRedis({ conf: 'loglevel warning' });
    const [sentinel] = await startSentinels(1, master);
    const dir = workDir();
    const secretFile = join(dir, 'other-sentinel.conf');
    writeFileSync(secretFile, `port 26399\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\nsentinel auth-pass mymaster ${SECRET}\n`, { mode: 0o600 });
    const proxy = await forwardingProxy(sentinel!, {
      rewrite: (argv, reply) => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^config_file:.*$/m, `config_file:${secretFile}`) : reply),
    });
    try {
      const seed = target(`redis://127.0.0.1:${proxy.port}`);
      const s0 = await state(seed, { kind: 'sentinel', noProbe: true });
      const p = plan(s0, seed);
      assert.ok(p.steps.some((st) => st.node === `127.0.0.1:${proxy.port}` && st.command[0] === 'SENTINEL' && st.command.includes('auth-pass')), JSON.stringify(p.steps.map((st) => [st.node, st.command])));
      const rollbackFile = join(dir, 'rollback.json');
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      const text = readFileSync(rollbackFile, 'utf8');
      assert.ok(!text.includes(SECRET), 'the rollback record holds no value of the file');
      assert.ok(!text.includes(secretFile), 'nor the file as a restore target');
      const back = await rollback(await readRollback(rollbackFile), new Map(s0.nodes.map((n) => [n.address, n.target])));
      assert.ok(back.notRestored.length >= 0);
      const sent = proxy.commands.filter((c) => c.some((w) => w.includes(SECRET)));
      assert.deepEqual(sent, [], 'no value of the file was sent to the server that named it');
    } finally {
      await proxy.close();
    }
  });
});
