import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { statusVersion } from '../../src/gather/host/package.ts';

// A package's version read from dpkg's database instead of running dpkg-query: the same answer, or none (then
// dpkg-query is asked) whenever the database alone cannot be trusted to give it.
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function admin(status: string, updates: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-dpkg-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'updates'));
  for (const name of updates) writeFileSync(join(dir, 'updates', name), '');
  writeFileSync(join(dir, 'status'), status);
  return dir;
}

const STATUS = 'Package: redis-tools\nStatus: install ok installed\nVersion: 5:7.0.15-1~deb12u1\n\nPackage: redis-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5:7.0.15-1~deb12u10\nDescription: x\n more\n\nPackage: redis-server-extra\nVersion: 9\n';

describe('statusVersion', () => {
  it('reads the version of the one stanza of the package, not of a package whose name starts alike', async () => {
    assert.deepEqual(await statusVersion('redis-server', admin(STATUS)), { ok: true, stdout: '5:7.0.15-1~deb12u10', missing: false });
    assert.equal((await statusVersion('redis-tools', admin(STATUS)))?.stdout, '5:7.0.15-1~deb12u1');
  });

  it('finds the stanza at the very start of the database, and after and among non-ASCII text', async () => {
    assert.equal((await statusVersion('redis-tools', admin(STATUS.replace('Status:', 'Maintainer: Chris Lamb <lamby@debian.org> — ü\nStatus:'))))?.stdout, '5:7.0.15-1~deb12u1');
    const accented = `Package: a\nDescription: café ☕ ${'é'.repeat(3000)}\n\n${STATUS.replace('Description: x', 'Description: x ✓ ü')}`;
    assert.equal((await statusVersion('redis-server', admin(accented)))?.stdout, '5:7.0.15-1~deb12u10');
    assert.equal((await statusVersion('redis-server-extra', admin(accented)))?.stdout, '9');
    // The package named on the last line of a database that does not end with a newline has no stanza.
    assert.equal(await statusVersion('last', admin(`${STATUS}\nPackage: last`)), undefined);
  });

  it('gives no answer for an unknown package, two stanzas (two architectures), a pending journal or no database', async () => {
    assert.equal(await statusVersion('valkey-server', admin(STATUS)), undefined);
    assert.equal(await statusVersion('redis-server', admin(`${STATUS}\nPackage: redis-server\nArchitecture: i386\nVersion: 1\n`)), undefined);
    assert.equal(await statusVersion('redis-server', admin(STATUS, ['0001'])), undefined);
    assert.equal(await statusVersion('redis-server', join(tmpdir(), 'redfort-no-such-admin-dir')), undefined);
  });

  it('gives the same answers whatever the size of the chunks the database is searched in (lines across chunks)', async () => {
    const accented = `Package: a\nDescription: café ☕ ${'é'.repeat(300)}\n\n${STATUS.replace('Description: x', 'Description: x ✓ ü')}`;
    const twice = `${STATUS}\nPackage: redis-server\nArchitecture: i386\nVersion: 1\n`;
    const cases: [string, string, string | undefined][] = [
      ['redis-server', STATUS, '5:7.0.15-1~deb12u10'], ['redis-tools', STATUS, '5:7.0.15-1~deb12u1'], ['redis-server-extra', STATUS, '9'],
      ['redis-server', accented, '5:7.0.15-1~deb12u10'], ['redis-server-extra', accented, '9'], ['a', accented, undefined],
      ['last', `${STATUS}\nPackage: last`, undefined], ['valkey-server', STATUS, undefined], ['redis-server', twice, undefined],
      // A stanza that runs to the end of a database without a final blank line.
      ['redis-server-extra', `${STATUS}Description: y\n`, '9'],
    ];
    for (const chunk of [1, 2, 3, 7, 16, 23, 24, 25, 64, 1000]) {
      for (const [name, status, version] of cases) {
        assert.equal((await statusVersion(name, admin(status), chunk))?.stdout, version, `${name}, chunks of ${chunk}`);
      }
    }
  });

  it('agrees with dpkg-query on this machine', async () => {
    for (const name of ['redis-server', 'dpkg']) {
      const expected = execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
      assert.equal((await statusVersion(name))?.stdout, expected, name);
    }
  });
});
