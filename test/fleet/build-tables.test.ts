import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { audit } from '../../src/app/audit.ts';
import { BuildTables, buildKey } from '../../src/gather/live/build-tables.ts';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { parseInfo } from '../../src/redis/info.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { CategoryTable, Facts } from '../../src/facts/types.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import { encodeReply } from '../helpers/config-proxy.ts';
import { arr, err, startFakeServer } from '../helpers/fake-resp-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// A run asks each server build for its ACL categories once (src/gather/live/build-tables.ts): the next servers of
// that build leave the 21 `ACL CAT <category>` commands out of their pipeline, and a server of another build is asked
// in a second round trip. Real redis-servers (Debian's 7.0.15) and replayed replies of a real 6.2.16.

const recorded: RecordedServer[] = [];
after(async () => {
  await Promise.all(recorded.map((s) => s.close()));
  await stopAll();
});

/** How many times the server ran ACL CAT (INFO commandstats). */
async function aclCatCalls(server: RunningServer): Promise<number> {
  const stats = String(await rawCommand(server.host, server.port, ['INFO', 'commandstats']));
  return Number(/cmdstat_acl\|cat:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

function sorted(table: CategoryTable | undefined, category: string): string[] {
  return [...(table?.categories.get(category) ?? [])].sort();
}

/** An override for recorded servers that counts the ACL CAT commands they are sent and answers none itself. */
function aclCatCounter(): { override: (argv: string[]) => undefined; calls: number } {
  const counter = {
    calls: 0,
    override: (argv: string[]) => {
      if (argv[0]?.toUpperCase() === 'ACL' && argv[1]?.toUpperCase() === 'CAT') counter.calls += 1;
      return undefined;
    },
  };
  return counter;
}

async function factsOf(url: string, buildTables?: BuildTables): Promise<Facts> {
  const outcome = await gatherLive(resolveTarget(url, {}, {}), buildTables ? { buildTables } : {});
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  return outcome.facts;
}

describe('the ACL categories of a server build, asked once per run', { concurrency: true }, () => {
  it('four servers of one build: the first two are asked (they agree), and every verdict is the one of an audit alone', async () => {
    const conf = 'user alice on >alice-pw ~* +@all -@dangerous\nuser bob on >bob-pw ~app:* +@read +@write -@admin';
    const servers = await Promise.all([startRedis({ conf }), startRedis({ conf }), startRedis({ conf }), startRedis({ conf })]);
    const before = await Promise.all(servers.map(aclCatCalls));
    const targets = servers.map((s) => resolveTarget(s.url, {}, {}));
    const fleet = await audit(targets, { concurrency: 1, noHost: true, noProbe: true });
    const asked = (await Promise.all(servers.map(aclCatCalls))).map((n, i) => n - before[i]!);
    assert.ok(asked[0]! >= 21 && asked[1] === asked[0], `the first two servers answer ACL CAT per category (${asked.join(', ')} calls)`);
    assert.deepEqual(asked.slice(2), [0, 0]);
    // Each target's verdicts are those of an audit of it alone (which asks it for its categories).
    for (const [i, target] of targets.entries()) {
      const alone = await audit([target], { noHost: true, noProbe: true });
      const verdicts = (results: (typeof alone.targets)[number]['results']) => results.map((r) => `${r.ruleId} ${r.status} ${r.message}`);
      assert.deepEqual(verdicts(fleet.targets[i]!.results), verdicts(alone.targets[0]!.results));
    }
    const dangerous = fleet.targets[2]!.results.find((r) => r.ruleId === 'auth.dangerous-commands-allowed');
    assert.equal(dangerous?.status, 'fail', 'the default user (+@all) may run dangerous commands: judged with the first servers\' table');
  });

  it("Valkey 8's sentinels: two agree with redfort's recorded table of that sentinel, and the third is lent it", async () => {
    const cat = aclCatCounter();
    const sentinels = await Promise.all([1, 2, 3].map(() => startRecordedServer('valkey-8.0.1-sentinel', { override: cat.override })));
    recorded.push(...sentinels);
    const builds = new BuildTables();
    const first = await factsOf(sentinels[0]!.url, builds);
    const perServer = cat.calls;
    assert.ok(perServer >= 21, `the first sentinel is asked per category (${perServer})`);
    assert.equal(first.categories?.source.kind, 'live');
    await factsOf(sentinels[1]!.url, builds);
    assert.equal(cat.calls, 2 * perServer);
    assert.ok(builds.speculate(), 'two sentinels of the build agree');
    const third = await factsOf(sentinels[2]!.url, builds);
    assert.equal(cat.calls, 2 * perServer, 'the third sentinel is not asked');
    assert.deepEqual(third.categories?.categories, first.categories?.categories);
    assert.match(third.categories?.source.kind === 'live' ? third.categories.source.command : '', /of another server of this build .*equal to the bundled ACL CAT of valkey 8\.0\.1 \(sentinel mode\)/);
  });

  it('a server of another build is asked in a second round trip, and its own table is kept once two agree', async () => {
    const [real1, real2] = await Promise.all([startRedis(), startRedis()]);
    const cat = aclCatCounter();
    const old = await Promise.all([1, 2, 3].map(() => startRecordedServer('redis-6.2.16-default', { override: cat.override })));
    recorded.push(...old);
    const builds = new BuildTables();
    const first = await factsOf(real1.url, builds);
    assert.equal(first.categories?.source.kind, 'live');
    assert.equal(builds.speculate(), false, 'one server alone is not believed for the others');
    await factsOf(real2.url, builds);
    assert.ok(builds.speculate(), 'two servers of the build agree: the next target leaves ACL CAT out');

    const alone = await factsOf(old[0]!.url);
    const perServer = cat.calls;
    assert.ok(perServer >= 21);
    const mixed = await factsOf(old[0]!.url, builds);
    assert.equal(cat.calls, 2 * perServer, 'the 6.2 server is asked for every category, in a second round trip');
    // 6.2's categories, not the 7.0 servers': whole commands, and its own @dangerous.
    assert.equal(mixed.categories?.granularity, 'command');
    assert.deepEqual(sorted(mixed.categories, 'dangerous'), sorted(alone.categories, 'dangerous'));
    assert.notDeepEqual(sorted(mixed.categories, 'dangerous'), sorted(first.categories, 'dangerous'));

    await factsOf(old[1]!.url, builds);
    assert.equal(cat.calls, 3 * perServer, 'a second 6.2.16 server is asked too (one alone is not believed)');
    const third = await factsOf(old[2]!.url, builds);
    assert.equal(cat.calls, 3 * perServer, 'the third is not asked: two agreed');
    assert.deepEqual(third.categories?.categories, mixed.categories?.categories);
    assert.match(third.categories?.source.kind === 'live' ? third.categories.source.command : '', /of another server of this build .*equal to the bundled ACL categories of redis 6\.2\.16/);
    // And the 7.0 build is still known.
    const before = await aclCatCalls(real1);
    await factsOf(real1.url, builds);
    assert.equal(await aclCatCalls(real1), before);
  });

  /**
   * Three real servers and a liar in front of the first (everything forwarded, but no command in @dangerous), audited
   * as a fleet in the order the liar's URLs (from its port) and then the real servers': the status of each target's
   * auth.dangerous-commands-allowed.
   */
  async function fleetWithLiar(liarUrls: (port: number) => string[]): Promise<string[]> {
    const servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
    const liar = await startFakeServer(async (argv) => {
      if (argv[0]!.toUpperCase() === 'HELLO') return err('ERR unknown command');
      if (argv.slice(0, 3).join(' ').toUpperCase() === 'ACL CAT DANGEROUS') return arr();
      const [reply] = await rawPipeline(servers[0]!.host, servers[0]!.port, [argv]);
      return encodeReply(reply ?? null);
    });
    recorded.push(liar as RecordedServer);
    const urls = [...liarUrls(liar.port), ...servers.map((s) => s.url)];
    const fleet = await audit(urls.map((u) => resolveTarget(u, {}, {})), { concurrency: 1, noHost: true, noProbe: true });
    return fleet.targets.map((t) => t.results.find((r) => r.ruleId === 'auth.dangerous-commands-allowed')!.status);
  }

  it('a hostile server that copies a real build and lies in ACL CAT changes no other server\'s verdict', async () => {
    const [liar, ...real] = await fleetWithLiar((port) => [`redis://127.0.0.1:${port}`]);
    // Its ACL CAT hides every @dangerous command, but its default user may still run ACL SETUSER, by name (QA41-18).
    assert.equal(liar, 'fail', 'the liar itself: +@all may grant itself anything');
    assert.deepEqual(real, ['fail', 'fail', 'fail'], '+@all runs dangerous commands');
  });

  it('a hostile server under two names, met first, lends its table to no real server', async () => {
    const statuses = await fleetWithLiar((port) => [`redis://127.0.0.1:${port}`, `redis://localhost:${port}`]);
    assert.deepEqual(statuses.slice(2), ['fail', 'fail', 'fail'], '+@all runs dangerous commands');
  });

  it('a target whose second round trip fails is an error, not judged with a bundled table', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    const builds = new BuildTables();
    await factsOf(a.url, builds);
    await factsOf(b.url, builds);
    assert.ok(builds.speculate());
    // Another build (its id changed), that hangs up when asked for its categories.
    const other = await startFakeServer(async (argv) => {
      if (argv[0]!.toUpperCase() === 'HELLO') return err('ERR unknown command');
      if (argv.slice(0, 2).join(' ').toUpperCase() === 'ACL CAT') return 'close';
      const [reply] = await rawPipeline(a.host, a.port, [argv]);
      return encodeReply(typeof reply === 'string' ? reply.replace(/redis_build_id:\w+/, 'redis_build_id:abcdef0123') : (reply ?? null));
    });
    recorded.push(other as RecordedServer);
    const outcome = await gatherLive(resolveTarget(`redis://${other.host}:${other.port}`, {}, {}), { buildTables: builds });
    assert.equal(outcome.ok, false);
  });

  it('a build is told by its INFO: version, build id and loaded modules; never by the process', async () => {
    const server = await startRedis();
    const info = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])));
    const key = buildKey(info);
    assert.match(key ?? '', /^[0-9a-f]{64}$/, 'a SHA-256: a hostile field of 16 MB costs no memory to remember');
    const huge = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])).replace('redis_mode:', `zzz_version:${'x'.repeat(1_000_000)}\r\nredis_mode:`));
    assert.match(buildKey(huge) ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(buildKey(huge), key);
    const other = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])).replace(/run_id:\w+/, 'run_id:0').replace(/tcp_port:\d+/, 'tcp_port:1'));
    assert.equal(buildKey(other), key, 'another process of the same build');
    const withModule = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])).replace('# Modules\r\n', '# Modules\r\nmodule:name=search,ver=21005,api=1,filters=0,usedby=[],using=[],options=[]\r\n'));
    assert.notEqual(buildKey(withModule), key, 'a module adds commands and categories');
    const noBuild = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])).replace(/redis_build_id:\w+/, 'redis_build_id:0'));
    assert.equal(buildKey(noBuild), undefined, 'no build id: a look-alike, asked every time');
    const noModules = parseInfo(String(await rawCommand(server.host, server.port, ['INFO'])).replace('# Modules', '# Other'));
    assert.equal(buildKey(noModules), undefined, 'no # Modules: which modules run is unknown');
  });
});

describe('BuildTables', () => {
  const table = (members: number): CategoryTable => ({
    categories: new Map([['dangerous', Array.from({ length: members }, (_, i) => `cmd${i}`)]]),
    granularity: 'command',
    source: { kind: 'live', command: 'ACL CAT <category>' },
  });
  /** The same table read from two servers of build `key`: trusted, when it may be. */
  const agreed = (builds: BuildTables, key: string | undefined, t: CategoryTable): CategoryTable => {
    builds.remember(key, t, 'one:1', t);
    builds.remember(key, t, 'two:2', t);
    return t;
  };

  it('leaves ACL CAT out only once a table is known, and stops when most targets are builds of their own', () => {
    const builds = new BuildTables();
    assert.equal(builds.speculate(), false);
    const a = table(10);
    builds.remember('a', a, 'one:1', a);
    builds.remember('a', a, 'one:1', a);
    assert.equal(builds.speculate(), false, 'the same server twice is not two servers');
    builds.remember('a', a, 'two:2', a);
    assert.equal(builds.speculate(), true);
    assert.ok(builds.lookup('a'));
    for (let i = 0; i < 5; i++) assert.equal(builds.lookup(`other-${i}`), undefined);
    assert.equal(builds.speculate(), true, 'four more misses than hits are taken');
    builds.lookup('other-5');
    assert.equal(builds.speculate(), false);
  });

  it('a build met once (on its way to be trusted) does not count against leaving ACL CAT out', () => {
    const builds = new BuildTables();
    agreed(builds, 'a', table(10));
    // Seven builds of three servers each, one after the other: the first two of each are asked, the third is a hit.
    for (let b = 0; b < 7; b++) {
      const t = table(5);
      for (const server of ['x:1', 'y:2']) {
        assert.equal(builds.speculate(), true, `build ${b}`);
        assert.equal(builds.lookup(`b${b}`), undefined);
        builds.remember(`b${b}`, t, server, t);
      }
      assert.deepEqual(builds.lookup(`b${b}`)?.categories, t.categories);
    }
    assert.equal(builds.speculate(), true);
  });

  it('keeps no key-less table, and at most 16 builds', () => {
    const builds = new BuildTables();
    agreed(builds, undefined, table(10));
    assert.equal(builds.speculate(), false);
    for (let i = 0; i < 17; i++) agreed(builds, `b${i}`, table(3));
    assert.equal(builds.lookup('b0'), undefined, 'the least recently used went');
    assert.ok(builds.lookup('b16'));
  });

  it('trusts no table that is not the bundled one of its version, however many servers agree', () => {
    const builds = new BuildTables();
    const theirs = table(3);
    for (const server of ['a:1', 'b:2', 'c:3']) builds.remember('x', theirs, server, table(4));
    assert.equal(builds.speculate(), false);
    assert.equal(builds.lookup('x'), undefined);
  });

  it('never takes again a build whose servers disagreed', () => {
    const builds = new BuildTables();
    builds.remember('a', table(10), 'one:1', table(10));
    builds.remember('a', table(10), 'two:2', table(10));
    // Refused for good: even two servers that agree later do not bring it back.
    agreed(builds, 'a', table(10));
    assert.equal(builds.lookup('a'), undefined);
    assert.equal(builds.speculate(), false);
  });
});
