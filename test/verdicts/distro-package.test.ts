import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compareDebianVersions, fixedUpTo, parseDebianChangelog, parseDeclaredPackage, upstreamVersion } from '../../src/redis/distro-package.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, ROOT, runCli } from '../report/cli-run.ts';

// --distro-package and the distroPackage key: a remote server's Debian package, declared, closes the
// advisories Debian backported, as reading dpkg on the host does (issue 11).

describe('Debian versions and changelogs', () => {
  it('parses [NAME=]VERSION and refuses anything else', () => {
    assert.deepEqual(parseDeclaredPackage('redis-server=5:7.0.15-1~deb12u10', 'x'), { name: 'redis-server', version: '5:7.0.15-1~deb12u10', origin: 'x' });
    assert.deepEqual(parseDeclaredPackage('5:7.0.15-1~deb12u10', 'x'), { version: '5:7.0.15-1~deb12u10', origin: 'x' });
    assert.match(String(parseDeclaredPackage('redis-server=latest', 'x')), /'latest' is not a Debian version/);
    assert.match(String(parseDeclaredPackage('Redis Server=7.0.15', 'x')), /not a Debian package name/);
    assert.equal(upstreamVersion('5:7.0.15-1~deb12u10'), '7.0.15');
    assert.equal(upstreamVersion('6:7.2.4+dfsg-1ubuntu0.1'), '7.2.4');
  });

  it('compares versions as dpkg does', () => {
    const sorted = ['5:7.0.15-1~deb12u10', '5:7.0.15-1', '5:7.0.15-1~deb12u9', '7.2.4-1', '5:7.0~rc3-1', '5:7.0.0-1', '5:7.0.15-1+b1'];
    sorted.sort(compareDebianVersions);
    assert.deepEqual(sorted, ['7.2.4-1', '5:7.0~rc3-1', '5:7.0.0-1', '5:7.0.15-1~deb12u9', '5:7.0.15-1~deb12u10', '5:7.0.15-1', '5:7.0.15-1+b1']);
    // The same answers as dpkg itself.
    for (const [a, b] of [['5:7.0.15-1~deb12u9', '5:7.0.15-1~deb12u10'], ['1.0~rc1', '1.0'], ['1.0a', '1.0+'], ['2:1', '1:9']] as const) {
      const lt = (() => { try { execFileSync('dpkg', ['--compare-versions', a, 'lt', b]); return true; } catch { return false; } })();
      assert.equal(compareDebianVersions(a, b) < 0, lt, `${a} < ${b}`);
    }
  });

  it('takes the fixes named by the entries at or below the declared version', () => {
    const entries = parseDebianChangelog(`redis (5:7.0.15-1~deb12u2) bookworm-security; urgency=high

  * CVE-2024-31449: Lua bit library.
  * Fix CVE-2024-31228 too (cve-2024-31227 in lower case).

 -- Someone <a@b>  Thu, 01 Jan 2026 00:00:00 +0000

redis (5:7.0.15-1~deb12u1) bookworm-security; urgency=high

  * CVE-2023-45145: unix socket race.

 -- Someone <a@b>  Thu, 01 Jan 2025 00:00:00 +0000
`);
    assert.deepEqual(entries, [
      { version: '5:7.0.15-1~deb12u2', cves: ['CVE-2024-31449', 'CVE-2024-31228', 'CVE-2024-31227'] },
      { version: '5:7.0.15-1~deb12u1', cves: ['CVE-2023-45145'] },
    ]);
    assert.deepEqual(fixedUpTo(entries, '5:7.0.15-1~deb12u1'), { cves: ['CVE-2023-45145'], newest: '5:7.0.15-1~deb12u2', beyond: false });
    assert.equal(fixedUpTo(entries, '5:7.0.15-1~deb12u3').beyond, true);
  });
});

describe('the declared package as a fact', () => {
  it("reads the installed changelog of the package, else redfort's snapshot of Debian's; observed beats declared", async () => {
    const { declaredPackageEnricher } = await import('../../src/gather/declared-package.ts');
    const { resolveTarget } = await import('../../src/redis/target.ts');
    const facts = { target: 'redis://db:6379', sources: new Set(), server: { product: 'redis', version: '7.0.15', mode: 'standalone' }, unavailable: {} } as never;
    const target = resolveTarget('redis://db:6379', {}, {});
    const declare = (text: string) => ({ distroPackage: parseDeclaredPackage(text, '--distro-package') as never });
    const installed = (await declaredPackageEnricher(facts, target, declare('5:7.0.15-1~deb12u4'))) as { distroPackage?: { value: { name: string; changelogFrom?: string; changelogCves?: string[] }; source: unknown } };
    assert.equal(installed.distroPackage!.value.name, 'redis-server');
    assert.equal(installed.distroPackage!.value.changelogFrom, '/usr/share/doc/redis-server/changelog.Debian.gz');
    assert.deepEqual(installed.distroPackage!.source, { kind: 'declared', detail: 'redis-server=5:7.0.15-1~deb12u4 declared by --distro-package' });
    // `redis` (the source package) installs no changelog of its own: the snapshot in data/ answers, the same way.
    const snapshot = (await declaredPackageEnricher(facts, target, declare('redis=5:7.0.15-1~deb12u4'))) as typeof installed;
    assert.match(snapshot.distroPackage!.value.changelogFrom!, /^redfort's snapshot of Debian package redis-server /);
    assert.deepEqual([...snapshot.distroPackage!.value.changelogCves!].sort(), [...installed.distroPackage!.value.changelogCves!].sort());
    // A package nobody knows: declared, with no changelog (every advisory stays open, said so).
    const unknown = (await declaredPackageEnricher(facts, target, declare('keydb-server=6.3.4-1'))) as typeof installed;
    assert.equal(unknown.distroPackage!.value.changelogCves, undefined);
    // The per-target declaration beats the run's.
    const { targetKey } = await import('../../src/engine/triage/target-key.ts');
    const own = (await declaredPackageEnricher(facts, target, { ...declare('5:7.0.15-1~deb12u4'), distroPackageTargets: new Map([[targetKey(target.display), parseDeclaredPackage('5:7.0.15-1~deb12u9', 'distroPackage at f.yaml:3') as never]]) })) as typeof installed;
    assert.deepEqual(own.distroPackage!.source, { kind: 'declared', detail: 'redis-server=5:7.0.15-1~deb12u9 declared by distroPackage at f.yaml:3' });
    // dpkg on the host saw the real package: the declaration adds nothing.
    const seen = { ...(facts as object), host: { package: { known: true, value: { manager: 'dpkg', name: 'redis-server', version: '5:7.0.15-1~deb12u10', path: '/usr/bin/redis-server', replaced: false }, source: { kind: 'host', detail: 'dpkg' } } } } as never;
    assert.equal(((await declaredPackageEnricher(seen, target, declare('5:7.0.15-1~deb12u1'))) as typeof installed).distroPackage, undefined);
  });
});

interface Result { ruleId: string; status: string; message: string; source?: unknown }
interface Report { targets: { target: string; error?: string; results: Result[] }[] }

describe('--distro-package on a real server (Debian redis-server, audited as a remote one)', () => {
  let server: RunningServer;
  let tmp: string;
  const installed = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'redis-server'], { encoding: 'utf8' }).trim();
  const backported = parseDebianChangelog(execFileSync('sh', ['-c', 'zcat /usr/share/doc/redis-server/changelog.Debian.gz'], { encoding: 'utf8' })).flatMap((e) => e.cves);
  // --no-host: the server runs here, and dpkg would show its package; a remote one cannot.
  const base = ['audit', '--no-host', '--no-probe', '--fail-on', 'none'];
  const vulnerabilities = (run: { stdout: string; stderr: string }) => {
    const report = JSON.parse(run.stdout) as Report;
    return report.targets[0]!.results.filter((r) => r.ruleId === 'version.known-vulnerabilities');
  };
  const ids = (results: Result[]) => results.filter((r) => r.status === 'fail').map((r) => /^(\S+)/.exec(r.message)![1]!);

  before(async () => {
    [server] = await Promise.all([startRedis({ conf: 'protected-mode no' }), build()]);
    tmp = await mkdtemp(join(tmpdir(), 'redfort-distro-'));
  });
  after(async () => {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
  });

  it('declaring the installed package closes the backported advisories, and the text says who declared it', async () => {
    assert.match(installed, /^\d+:7\.0\.15-/, 'the Debian redis-server 7.0.15 package');
    const [plain, declared, versionOnly, text] = await Promise.all([
      runCli([...base, server.url, '--format', 'json']),
      runCli([...base, server.url, '--format', 'json', '--distro-package', `redis-server=${installed}`]),
      runCli([...base, server.url, '--format', 'json', '--distro-package', installed]),
      runCli([...base, server.url, '--distro-package', `redis-server=${installed}`, '--no-color']),
    ]);
    const open = ids(vulnerabilities(plain));
    // An advisory the changelog names by one of its aliases is closed too (REDIS-2026-02-ERRREPLY-CRLF is
    // CVE-2025-67733: the same fix, data/advisories.json).
    const records = JSON.parse(execFileSync('cat', [join(ROOT, 'data', 'advisories.json')], { encoding: 'utf8' })) as { id: string; aliases?: string[] }[];
    const names = (id: string) => [id, ...(records.find((r) => r.id === id)?.aliases ?? [])];
    const isBackported = (id: string) => names(id).some((n) => backported.includes(n));
    const closed = open.filter(isBackported);
    assert.ok(closed.length >= 3, `backported advisories reported open without the package: ${closed.join(', ')}`);
    assert.match(vulnerabilities(plain)[0]!.message, /declare it with --distro-package/);
    const after = ids(vulnerabilities(declared));
    assert.deepEqual(after, open.filter((id) => !isBackported(id)), 'exactly the advisories the changelog names are closed');
    assert.deepEqual(ids(vulnerabilities(versionOnly)), after, 'the version alone names the server package');
    for (const r of vulnerabilities(declared).filter((x) => x.status === 'fail')) {
      assert.match(r.message, new RegExp(`the changelog of package redis-server ${installed.replace(/[.+~]/g, '\\$&')} \\(declared by --distro-package\\) does not name it as fixed`));
    }
    assert.match(text.stdout, /declared by --distro-package/);
    assert.equal(text.code, 0, text.stderr);
  });

  // QA39-10: in a file-only audit (configs reviewed before deploy, --redis-version standing for the server) the
  // declared package was silently unused: every backported advisory stayed open, each asking for --distro-package.
  it('a file-only audit with --redis-version takes the declared package as the live audit does', async () => {
    const conf = join(tmp, 'files-only.conf');
    await writeFile(conf, 'port 6379\nbind 127.0.0.1\n');
    const files = ['audit', '--config', conf, '--redis-version', '7.0.15', '--fail-on', 'none', '--format', 'json'];
    const [live, plain, declared] = await Promise.all([
      runCli([...base, server.url, '--format', 'json', '--distro-package', `redis-server=${installed}`]),
      runCli(files),
      runCli([...files, '--distro-package', `redis-server=${installed}`]),
    ]);
    assert.ok(ids(vulnerabilities(plain)).length > ids(vulnerabilities(declared)).length, declared.stdout.slice(0, 400));
    assert.deepEqual(ids(vulnerabilities(declared)), ids(vulnerabilities(live)));
    for (const r of vulnerabilities(declared).filter((x) => x.status === 'fail')) assert.match(r.message, /\(declared by --distro-package\) does not name it as fixed/);
  });

  // QA36-15: this machine's package (u7) is older than the declared u10: its changelog alone left u8-u10's fixes
  // (CVE-2026-81934 CRITICAL, CVE-2026-25243 and CVE-2026-66373 HIGH, CVE-2026-23631) open. The snapshot's newer
  // entries are added; a version beyond both says where the known changelog ends.
  it("a declared version newer than the installed changelog takes the snapshot's newer entries; beyond both, says where it ends", async () => {
    const snapshot = JSON.parse(execFileSync('cat', [join(ROOT, 'data', 'debian-redis-changelog.json')], { encoding: 'utf8' })) as { entries: { version: string; cves: string[] }[] };
    const newest = snapshot.entries[0]!.version;
    const newer = snapshot.entries.filter((e) => compareDebianVersions(e.version, installed) > 0).flatMap((e) => e.cves);
    assert.ok(newer.includes('CVE-2026-81934') || compareDebianVersions(installed, newest) >= 0, 'the snapshot is newer than the installed package');
    const [declared, beyond] = await Promise.all([
      runCli([...base, server.url, '--format', 'json', '--distro-package', `redis-server=${newest}`]),
      runCli([...base, server.url, '--format', 'json', '--distro-package', `redis-server=${newest}+x1`]),
    ]);
    const open = ids(vulnerabilities(declared));
    for (const id of newer) assert.ok(!open.includes(id), `${id} is named fixed by the snapshot up to ${newest}: ${open.join(', ')}`);
    assert.ok(open.length > 0);
    for (const r of vulnerabilities(beyond).filter((x) => x.status === 'fail')) assert.match(r.message, new RegExp(`ends at ${newest.replace(/[.+~]/g, '\\$&')}, so later fixes are not known`));
  });

  it('an older declared version closes fewer; a package of another upstream version is ignored, said so; a bad one is a usage error', async () => {
    const [older, other, bad] = await Promise.all([
      runCli([...base, server.url, '--format', 'json', '--distro-package', 'redis-server=5:7.0.15-1~deb12u4']),
      runCli([...base, server.url, '--format', 'json', '--distro-package', 'redis-server=5:7.2.4-1']),
      runCli([...base, server.url, '--distro-package', 'redis-server=newest']),
    ]);
    const all = ids(vulnerabilities(await runCli([...base, server.url, '--format', 'json'])));
    const fromOlder = ids(vulnerabilities(older));
    assert.ok(fromOlder.length < all.length && fromOlder.length > ids(vulnerabilities(await runCli([...base, server.url, '--format', 'json', '--distro-package', installed]))).length, `${fromOlder.length} of ${all.length}`);
    assert.deepEqual(ids(vulnerabilities(other)), all);
    assert.match(vulnerabilities(other)[0]!.message, /the package declared by --distro-package, redis-server 5:7\.2\.4-1, is not a build of 7\.0\.15, so it was ignored/);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^redfort: --distro-package: 'redis-server=newest' is not a package declaration: 'newest' is not a Debian version/);
  });

  it('distroPackage in a --targets inventory and in .redfort.yaml targets', async () => {
    const inventory = join(tmp, 'fleet.yaml');
    await writeFile(inventory, `defaults: { distroPackage: "redis-server=5:7.2.4-1" }\ntargets:\n  - url: ${server.url}\n    distroPackage: "redis-server=${installed}"\n`);
    const project = join(tmp, 'project');
    await import('node:fs/promises').then((fs) => fs.mkdir(project));
    await writeFile(join(project, '.redfort.yaml'), `targets:\n  ${server.url}:\n    distroPackage: "${installed}"\n`);
    const [fleet, settings, declared, badInventory] = await Promise.all([
      runCli([...base, '--targets', inventory, '--format', 'json']),
      runCli([...base, '--format', 'json'], { cwd: project }),
      runCli([...base, server.url, '--format', 'json', '--distro-package', installed]),
      (async () => {
        const file = join(tmp, 'bad.yaml');
        await writeFile(file, `targets:\n  - url: ${server.url}\n    distroPackage: 7\n`);
        return runCli([...base, '--targets', file]);
      })(),
    ]);
    const expected = ids(vulnerabilities(declared));
    assert.deepEqual(ids(vulnerabilities(fleet)), expected, 'the target beats the defaults');
    assert.match(vulnerabilities(fleet).find((r) => r.status === 'fail')!.message, /declared by distroPackage at .*fleet\.yaml:4\)/);
    assert.deepEqual(ids(vulnerabilities(settings)), expected, settings.stderr);
    assert.match(vulnerabilities(settings).find((r) => r.status === 'fail')!.message, /declared by distroPackage at .*\.redfort\.yaml:3\)/);
    assert.equal(badInventory.code, 2);
    assert.match(badInventory.stderr, /bad\.yaml:3: targets: distroPackage/);
  });
});
