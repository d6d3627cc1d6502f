import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// config.runtime-drift compares the settings a config file leaves out with their compiled defaults only when the
// server's command line was read (any of them may be one of its options). Its pass said "the running configuration
// matches 1 file" either way, also on a server whose title hides its command line (set-proc-title yes, the default),
// where a CONFIG SET of a setting the file leaves out is not seen.
describe('config.runtime-drift says what it did not compare', () => {
  after(stopAll);
  const driftOf = async (url: string) => (await auditTarget(resolveTarget(url, {}, {}), { noProbe: true })).results.find((r) => r.ruleId === 'config.runtime-drift')!;

  // It passed, hedged, also with a setting the file leaves out CONFIG SET away from its default: drift or a
  // command-line option, unknown, is skip. Left-out settings at their defaults are no drift either way: a pass.
  it('command line hidden by the process title: a left-out setting off its default is unknown, not passed', async () => {
    const hidden = await startRedis({ conf: 'maxmemory 100mb', killOnStop: true });
    const drift = await driftOf(hidden.url);
    assert.equal(drift.status, 'pass', drift.message);
    assert.equal(drift.message, 'the running configuration matches 1 file');
    await rawCommand(hidden.host, hidden.port, ['CONFIG', 'SET', 'timeout', '300']);
    const set = await driftOf(hidden.url);
    assert.equal(set.status, 'skip', set.message);
    assert.match(set.message, /^the running configuration matches 1 file in the settings they set, but timeout is '300' \(compiled default: '0'\) at run time and not in the files: a CONFIG SET never rewritten, or an option of the server's command line, which could not be read from here/);
  });

  // QA43-11: `save ""` set at run time (or by an --include'd file, Bitnami's) while the files leave save out was not
  // among the settings listed: its compiled default is compared as the others' are.
  it('command line hidden: save emptied at run time, the file without save, is listed', async () => {
    const hidden = await startRedis({ confText: (port) => `port ${port}\nbind 127.0.0.1\nappendonly no\n`, killOnStop: true });
    const before = await driftOf(hidden.url);
    assert.equal(before.status, 'pass', before.message);
    await rawCommand(hidden.host, hidden.port, ['CONFIG', 'SET', 'save', '']);
    const set = await driftOf(hidden.url);
    assert.equal(set.status, 'skip', set.message);
    assert.match(set.message, /but save is '' \(compiled default: '3600 1 300 100 60 10000'\) at run time and not in the files/);
  });

  it('command line read (set-proc-title no): nothing left out, nothing said', async () => {
    const shown = await startRedis({ conf: 'maxmemory 100mb\nset-proc-title no', killOnStop: true });
    const drift = await driftOf(shown.url);
    assert.equal(drift.status, 'pass', drift.message);
    assert.equal(drift.message, 'the running configuration matches 1 file');
  });
});
