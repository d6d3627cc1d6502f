import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { configFilteringProxy, forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';

// A real 7.0.15 with AOF on and DEBUG open, behind a proxy (or a hostile server) that drops settings outside the
// "core set" from CONFIG GET *: the rules took each setting left out for its compiled default. persistence.none failed
// "neither RDB nor AOF" (appendonly dropped), commands.protected-features-enabled passed on the two switches left
// (enable-debug-command 'yes' dropped). Every 6.0+ CONFIG GET * lists them: such a reply is now incomplete.
describe('a real 7.0.15 behind a proxy that drops settings outside the core set', () => {
  let real: RunningServer;
  const fakes: FakeServer[] = [];
  before(async () => {
    real = await startRedis({ conf: 'save ""\nappendonly yes\nenable-debug-command yes', killOnStop: true });
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await real?.stop();
  });

  async function proxy(dropped: readonly string[]): Promise<FakeServer> {
    const server = await configFilteringProxy(real, dropped);
    fakes.push(server);
    return server;
  }

  const audited = (port: number) => auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true });
  const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status}: ${x.message}`);

  it('the truth, read directly: AOF on, DEBUG enabled', async () => {
    const r = await audited(real.port);
    assert.match(of(r, 'persistence.none').join(), /^pass: persistence: AOF/);
    assert.match(of(r, 'commands.protected-features-enabled').join(), /^fail: enable-debug-command is 'yes'/);
  });

  for (const dropped of ['appendonly', 'enable-debug-command']) {
    it(`skips, never judges on defaults, a reply without ${dropped}`, async () => {
      const r = await audited((await proxy([dropped])).port);
      assert.equal(r.error, undefined);
      for (const id of ['persistence.none', 'commands.protected-features-enabled']) {
        assert.match(of(r, id).join(), new RegExp(`^skip: CONFIG GET \\* gave an incomplete reply \\(\\d+ settings, no ${dropped}\\)`), id);
      }
    });
  }
});

// The same kind of server behind a proxy whose COMMAND INFO calls CONFIG, DEBUG, FLUSHALL… renamed away, while
// CONFIG GET * and ACL LIST go through: commands.dangerous-not-renamed passed ("renamed or removed") on a default
// user that may run them all.
describe('a real 7.0.15 behind a proxy that hides its commands from COMMAND INFO', () => {
  let real: RunningServer;
  let hiding: FakeServer;
  before(async () => {
    real = await startRedis({ killOnStop: true });
    hiding = await forwardingProxy(real, {
      local(argv) {
        if (argv[0]!.toUpperCase() === 'HELLO') return err('ERR unknown command');
        if (argv.slice(0, 2).join(' ').toUpperCase() === 'COMMAND INFO') return `*${argv.length - 2}\r\n${'*-1\r\n'.repeat(argv.length - 2)}`;
        return undefined;
      },
    });
  });
  after(async () => {
    await hiding?.close();
    await real?.stop();
  });

  it('skips commands.dangerous-not-renamed, never passes it', async () => {
    const audited = (port: number) => auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { commandTimeoutMs: 5000, noHost: true, noProbe: true });
    const status = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'commands.dangerous-not-renamed').map((x) => `${x.status}: ${x.message}`).join();
    assert.match(status(await audited(real.port)), /^fail: /);
    assert.match(status(await audited(hiding.port)), /^skip: COMMAND INFO calls CONFIG and ACL renamed or removed, but the server answered CONFIG GET and ACL LIST/);
  });
});
