import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real builds of Redis versions Debian does not ship, for the opt-in suite test/builds/ (`npm run test:builds`).
 * Each is a plain `make` of the upstream release tarball, kept as $REDFORT_BUILDS/NAME (default /tmp/builds/NAME);
 * docs/testing.md says how to make them. The default suite (`npm test`) never needs one: it replays recordings of
 * the same servers (test/fixtures/replies/, test/helpers/recorded-server.ts) instead.
 */
export const BUILDS = {
  'redis-6.0.20': 'https://download.redis.io/releases/redis-6.0.20.tar.gz',
  'redis-6.2.16': 'https://download.redis.io/releases/redis-6.2.16.tar.gz',
  'redis-7.2.6': 'https://download.redis.io/releases/redis-7.2.6.tar.gz',
  // Debian's source packages (the upstream orig tarballs): redis 5:8.0.6-3 (sid), 5:8.6.3-1 (experimental).
  'redis-8.0.6': 'https://deb.debian.org/debian/pool/main/r/redis/redis_8.0.6.orig.tar.gz',
  'redis-8.6.3': 'https://deb.debian.org/debian/pool/main/r/redis/redis_8.6.3.orig.tar.gz',
  // Debian's valkey 9.1.2-1 (sid): its orig tarball is the upstream release's (src/version.h VALKEY_VERSION "9.1.2").
  'valkey-9.1.2': 'https://deb.debian.org/debian/pool/main/v/valkey/valkey_9.1.2.orig.tar.gz',
} as const;

export type BuildName = keyof typeof BUILDS;

/** The `make` flags the builds were made (and their recordings taken) with. */
export const MAKE_FLAGS = 'BUILD_TLS=yes MALLOC=libc';

/** Where the builds are: $REDFORT_BUILDS, else /tmp/builds. */
export function buildsDir(): string {
  return process.env.REDFORT_BUILDS || '/tmp/builds';
}

/** The server a build would have: NAME/src/redis-server, a Valkey build's NAME/src/valkey-server. */
export function buildPath(name: BuildName): string {
  return join(buildsDir(), name, 'src', name.startsWith('valkey-') ? 'valkey-server' : 'redis-server');
}

/** The sentinel beside it: NAME/src/redis-sentinel, or valkey-sentinel. */
export function sentinelPath(name: BuildName): string {
  return join(buildsDir(), name, 'src', name.startsWith('valkey-') ? 'valkey-sentinel' : 'redis-sentinel');
}

/** The builds of `names` that are not there. */
export function missingBuilds(names: readonly BuildName[] = Object.keys(BUILDS) as BuildName[]): BuildName[] {
  return names.filter((name) => !existsSync(buildPath(name)));
}

/** What to say when builds are missing: each binary, and the commands that make it. */
export function missingBuildsMessage(missing: readonly BuildName[]): string {
  const dir = buildsDir();
  return [
    `missing real Redis or Valkey build${missing.length === 1 ? '' : 's'} for test:builds (in ${dir}; set REDFORT_BUILDS to use another directory):`,
    ...missing.map((name) => `  ${name}: no ${buildPath(name)}`),
    'Make each from its release tarball (Debian: apt-get install build-essential pkg-config libssl-dev; see docs/testing.md):',
    // Into NAME whatever the tarball's top directory (Valkey's orig tarball unpacks to valkey-io-valkey-7f1dffe/).
    ...missing.map((name) => `  mkdir -p ${join(dir, name)} && curl -fsSL ${BUILDS[name]} | tar -xz -C ${join(dir, name)} --strip-components=1 && make -C ${join(dir, name)} -j2 ${MAKE_FLAGS}`),
  ].join('\n');
}

/** The server binary of a real build; throws, saying how to make it, when it is missing: never a skip. */
export function realBuild(name: BuildName): string {
  if (missingBuilds([name]).length > 0) throw new Error(missingBuildsMessage([name]));
  return buildPath(name);
}

/**
 * A binary's version as the config parser takes it: `--version`'s v=, `valkey-` before it for Valkey ("Valkey server
 * v=9.1.2" is `valkey-9.1.2`: a bare 9.1.2 would be read as a Redis release).
 */
export function versionOf(binary: string): string | undefined {
  const said = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const version = /v=(\S+)/.exec(said)?.[1];
  return version !== undefined && /^Valkey /.test(said) ? `valkey-${version}` : version;
}
