import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import { address, plan, state, target } from './helpers.ts';

after(stopAll);

// QA36-16: "Not closed by fix" gave version.end-of-life the rule's fixed words ("Redis 7.2, 7.4, 8.2 or later"),
// naming branches whose support had ended: an item now says what the node's findings say when they agree (the
// supported branches as of the audit's date), the rule's general words otherwise.
describe('fix: a rule left by hand gets its findings\' own remediation', () => {
  it("version.end-of-life on Debian's 7.0.15 names the branches supported as of the audit's date", async () => {
    const server = await startRedis({ killOnStop: true });
    const seed = target(server.url);
    const s = await state(seed, { noProbe: true });
    const eol = s.nodes[0]!.results.find((r) => r.ruleId === 'version.end-of-life' && r.status === 'fail');
    assert.ok(eol, 'Redis 7.0 is past its end of life');
    const item = plan(s, seed).manual.find((m) => m.node === address(server) && m.rule === 'version.end-of-life');
    assert.equal(item?.message, eol.remediation);
    assert.match(item!.message, /^Upgrade to a branch that still receives security fixes as of \d{4}-\d{2}-\d{2} \(redfort's branch support data\): Redis 7\.2, 7\.4, 8\.2, /);
    await server.stop();
  });
});
