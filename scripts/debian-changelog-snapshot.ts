// Writes data/debian-redis-changelog.json: the version and CVE ids of each entry of the installed Debian
// changelog of the `redis` source package (/usr/share/doc/redis-server/changelog.Debian.gz), the fallback
// `--distro-package` uses where that changelog is not installed. Run on a Debian host after an upgrade:
//   node --import tsx scripts/debian-changelog-snapshot.ts
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseDebianChangelog } from '../src/redis/distro-package.ts';

const text = gunzipSync(readFileSync('/usr/share/doc/redis-server/changelog.Debian.gz')).toString('utf8');
const entries = parseDebianChangelog(text).filter((e) => e.cves.length > 0);
const version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'redis-server'], { encoding: 'utf8' }).trim();
const snapshot = {
  source: `Debian package redis-server ${version}: /usr/share/doc/redis-server/changelog.Debian.gz (entries that name a CVE id; the changelog is part of the Debian redis package, BSD-3-Clause)`,
  package: 'redis',
  names: ['redis-server', 'redis-sentinel', 'redis-tools', 'redis'],
  newest: parseDebianChangelog(text)[0]!.version,
  entries,
};
writeFileSync('data/debian-redis-changelog.json', `${JSON.stringify(snapshot, null, 1)}\n`);
console.log(`${entries.length} entries, newest ${snapshot.newest}`);
