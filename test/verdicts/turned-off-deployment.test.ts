import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';

// A rule a settings file turned off is in every entry of a deployment as not judged, naming the entry that turned it
// off: a rule judged once for the whole deployment (config.inconsistent-nodes) too, whose node entries otherwise say
// 'judged once for the whole deployment' (and it was not).
after(stopAll);

describe('rules turned off in a deployment', () => {
  it("are a skip marked disabled in the deployment's entry and in each node's", async () => {
    const master = await startRedis({});
    await startReplica(master, {});
    const off = { path: '.redfort.yaml', line: 3 };
    const turnedOff = new Map([
      ['config.inconsistent-nodes', { rule: 'config', ...off }],
      ['logging.no-logfile', { rule: 'logging.no-logfile', ...off, line: 4 }],
    ]);
    const entries = await auditDeployment(resolveTarget(master.url, {}, {}), { noHost: true, noProbe: true, kind: 'replication', turnedOff });
    assert.equal(entries.length, 3);
    for (const entry of entries) {
      assert.equal(entry.error, undefined);
      for (const [id, by] of turnedOff) {
        const results = entry.results.filter((r) => r.ruleId === id);
        assert.deepEqual(results.map((r) => [r.status, r.disabled, r.message]), [['skip', by, `not judged: turned off by '${by.rule}: off' at .redfort.yaml:${by.line}`]], entry.target);
      }
    }
  });
});
