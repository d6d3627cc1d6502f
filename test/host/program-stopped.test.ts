import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readFirewall } from '../../src/gather/host/firewall.ts';
import { readPackage } from '../../src/gather/host/package.ts';
import { readUnit } from '../../src/gather/host/systemd.ts';
import { hostSource } from '../../src/gather/host/proc.ts';

// Programs in front of the real ones on PATH: a query that dies half-way, one that hangs, one that answers.
let dir: string;
const PATH = process.env.PATH;
const program = (name: string, script: string) => writeFile(join(dir, name), `#!/bin/sh\n${script}\n`).then(() => chmod(join(dir, name), 0o755));
const killed = 'kill -9 $$';
const hangs = 'exec sleep 30';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redfort-stopped-'));
  process.env.PATH = `${dir}:${PATH}`;
});
after(async () => {
  process.env.PATH = PATH;
  await rm(dir, { recursive: true, force: true });
});

describe('a host program that gives no answer is said so by each reader, in one wording, never read as an answer', () => {
  test('the packet filter: a tool killed half-way is no ruleset; one abandoned stops the read', async () => {
    await program('nft', killed);
    await program('iptables-save', 'echo "iptables-save: Permission denied" >&2; exit 1');
    await program('ip6tables-save', 'echo "ip6tables-save: Permission denied" >&2; exit 1');
    assert.deepEqual(await readFirewall(), { known: false, reason: 'the packet filter (nft) was not read: it was killed (SIGKILL)' });
    await program('nft', hangs);
    assert.deepEqual(await readFirewall(undefined, AbortSignal.timeout(100)), { known: false, reason: 'the packet filter was not read: the audit gave up waiting for it' });
  });

  test('the package: a dpkg-query killed half-way is unknown, not "no package owns it"', async () => {
    const exe = join(dir, 'redis-server');
    await program('redis-server', 'exit 0');
    const value = { known: true as const, value: exe, source: hostSource('test') };
    await program('dpkg-query', killed);
    assert.deepEqual(await readPackage(value, 'redis-server'), { known: false, reason: 'the package of the executable was not read: it was killed (SIGKILL)' });
    await program('dpkg-query', hangs);
    assert.deepEqual(await readPackage(value, 'redis-server', AbortSignal.timeout(100)), { known: false, reason: 'the package of the executable was not read: the audit gave up waiting for it' });
    // dpkg-query's own "not found" is an answer.
    await program('dpkg-query', `echo "dpkg-query: no path found matching pattern ${exe}" >&2; exit 1`);
    const none = await readPackage(value, 'redis-server');
    assert.ok(none.known && none.value === null, JSON.stringify(none));
  });

  test('systemd: a systemctl that gives no answer is not asked again; abandoned stops the read', async () => {
    await program('systemctl', killed);
    assert.deepEqual(await readUnit('redfort-no-such.service'), { known: false, reason: 'the service redfort-no-such.service was not read: it was killed (SIGKILL)' });
    await program('systemctl', hangs);
    assert.deepEqual(await readUnit('redfort-no-such.service', AbortSignal.timeout(100)), { known: false, reason: 'the service redfort-no-such.service was not read: the audit gave up waiting for it' });
    await program('systemctl', 'exit 1');
    assert.deepEqual(await readUnit('redfort-no-such.service'), { known: false, reason: 'the process runs in redfort-no-such.service, but neither systemctl nor its unit file could be read' });
  });
});
