import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { realBuild } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { advisoryFinding as finding, audit } from '../probe/helpers.ts';

// The real build behind the recorded 6.0.20 of test/versions/advisory-settings.test.ts: before 6.2 CONFIG SET cannot
// open a TLS port, so TLS-only advisories are lowered whoever may CONFIG SET.

after(stopAll);

describe('advisories that need a setting the server lacks, on a real build', () => {
  it('a real 6.0.20 refuses CONFIG SET tls-port: TLS advisories stay lowered whoever may CONFIG SET', async () => {
    const server = await startRedis({ binary: realBuild('redis-6.0.20'), killOnStop: true });
    await assert.rejects(rawCommand(server.host, server.port, ['CONFIG', 'SET', 'tls-port', '16380']), /Unsupported CONFIG parameter: tls-port/);
    const cve = finding((await audit(server.url)).results, 'CVE-2026-81934');
    assert.equal(cve.severity, 'low', cve.message);
    assert.match(cve.message, /lowered: only TLS listeners are affected and tls-port is 0, which CONFIG SET cannot change before 6\.2/);
  });
});
