import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RuleResult } from '../../src/engine/run.ts';
import { arr, bulk, err, simple, startFakeServer } from '../helpers/fake-resp-server.ts';
import type { FakeHandler, FakeServer } from '../helpers/fake-resp-server.ts';
import { audit, expectStatus } from './helpers.ts';

// Fake servers reporting old Redis and Valkey versions: advisory matching through INFO, the live gatherer and the
// probes (src/rules/version/*.test.ts judge hand-made facts; these go through the whole pipeline).

const fakes: FakeServer[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
/** 2026-12-01: the server clock the support dates are judged against. */
const SERVER_TIME = String(Date.UTC(2026, 11, 1) / 1000);

interface FakeSpec {
  readonly info: Record<string, string | number>;
  readonly acl: readonly string[];
  /** The reply to EVAL "return type(package)" 0. */
  readonly typeOfPackage?: string;
}

/** A server without a password that answers the audit's commands; ACL CAT and COMMAND INFO are refused (bundled table). */
function fakeRedis(spec: FakeSpec): FakeHandler {
  return (argv) => {
    const [name = '', sub = ''] = argv.map((a) => a.toUpperCase());
    if (name === 'PING') return simple('PONG');
    if (name === 'INFO') return bulk(`# Server\r\n${Object.entries({ redis_mode: 'standalone', arch_bits: 64, mem_allocator: 'jemalloc-5.3.0', ...spec.info }).map(([k, v]) => `${k}:${v}`).join('\r\n')}\r\n`);
    if (name === 'CONFIG' && sub === 'GET') return arr(...['bind', '127.0.0.1', 'port', '6379', 'tls-port', '0', 'protected-mode', 'yes'].map((v) => bulk(v)));
    if (name === 'ACL' && sub === 'LIST') return arr(...spec.acl.map((line) => bulk(line)));
    if (name === 'TIME') return arr(bulk(SERVER_TIME), bulk('0'));
    if (name === 'EVAL' && spec.typeOfPackage !== undefined) return bulk(spec.typeOfPackage);
    if (name === 'CLUSTER') return err('ERR This instance has cluster support disabled');
    return err(`ERR unknown subcommand or command '${argv[0]}'`);
  };
}

async function fake(spec: FakeSpec): Promise<FakeServer> {
  const server = await startFakeServer(fakeRedis(spec));
  fakes.push(server);
  return server;
}

function finding(results: readonly RuleResult[], id: string): RuleResult {
  const found = results.find((r) => r.ruleId === 'version.known-vulnerabilities' && r.message.startsWith(`${id} `));
  assert.ok(found, `no finding for ${id}`);
  return found;
}

describe('advisory matching against fake old servers', { concurrency: true }, () => {
  let servers: Record<'lua' | 'valkey' | 'rc' | 'unstable' | 'debian', FakeServer>;
  before(async () => {
    const [lua, valkey, rc, unstable, debian] = await Promise.all([
      // Redis 6.0.9: the default user may only GET, so no user that can log in may run scripts.
      fake({ info: { redis_version: '6.0.9' }, acl: [`user default on #${HASH} ~* -@all +get`] }),
      // Valkey always reports redis_version:7.2.4: its own version is valkey_version.
      fake({ info: { redis_version: '7.2.4', server_name: 'valkey', valkey_version: '7.2.5', server_mode: 'standalone' }, acl: ['user default on nopass sanitize-payload ~* &* +@all'] }),
      // 7.4-rc1 reports 7.3.240.
      fake({ info: { redis_version: '7.3.240' }, acl: ['user default on nopass sanitize-payload ~* &* +@all'] }),
      // The revoked Valkey 8.0.8 and unstable builds report 255.255.255.
      fake({ info: { redis_version: '7.2.4', server_name: 'valkey', valkey_version: '255.255.255' }, acl: ['user default on nopass ~* &* +@all'] }),
      // A Debian bullseye package whose Lua exposes `package` (CVE-2022-0543).
      fake({ info: { redis_version: '6.0.16' }, acl: ['user default on nopass ~* &* +@all'], typeOfPackage: 'table' }),
    ]);
    servers = { lua, valkey, rc, unstable, debian };
  });

  const url = (server: FakeServer) => `redis://127.0.0.1:${server.port}`;

  it('lowers a Lua CVE when no user can run EVAL, and keeps the others', async () => {
    const { results } = await audit(url(servers.lua));
    const lua = finding(results, 'CVE-2021-32626');
    assert.equal(lua.severity, 'low');
    assert.match(lua.message, /6\.0\.9 is affected, fixed in 6\.0\.16; lowered: it needs EVAL\/FCALL or SCRIPT LOAD \(which runs the top-level code of what it loads before 6\.2\.7, CVE-2022-24735\) and no user that can log in may run or load scripts/);
    assert.equal(finding(results, 'CVE-2021-32675').severity, 'high');
  });

  it('matches Valkey on valkey_version, not on its constant redis_version', async () => {
    const { facts, results } = await audit(url(servers.valkey));
    assert.deepEqual([facts.server?.product, facts.server?.version], ['valkey', '7.2.5']);
    // Valkey fixed it in 7.2.7, Redis in 7.2.6: the Valkey entry matched.
    assert.match(finding(results, 'CVE-2024-31449').message, /7\.2\.5 is affected, fixed in 7\.2\.7/);
    assert.ok(!results.some((r) => r.message.startsWith('REDIS-')), 'a Redis-only advisory matched Valkey');
    const [eol] = expectStatus(results, 'version.end-of-life', 'pass');
    assert.match(eol!.message, /^Valkey 7\.2 is supported/);
  });

  it('reads a release candidate as its branch (7.3.240 is 7.4)', async () => {
    const { results } = await audit(url(servers.rc));
    assert.match(finding(results, 'CVE-2025-49844').message, /7\.3\.240 is affected, fixed in 7\.4\.6/);
    const [eol] = expectStatus(results, 'version.end-of-life', 'pass');
    assert.match(eol!.message, /^Redis 7\.4 is supported/);
  });

  it('says unknown for 255.255.255, never safe', async () => {
    const { results } = await audit(url(servers.unstable));
    const [vulns] = expectStatus(results, 'version.known-vulnerabilities', 'skip');
    assert.match(vulns!.message, /255\.255\.255 .*unknown/);
    expectStatus(results, 'version.end-of-life', 'skip');
  });

  it('finds CVE-2022-0543 with --probe-intrusive only', async () => {
    const quiet = await audit(url(servers.debian));
    assert.ok(!servers.debian.commands.some((c) => c[0]!.toUpperCase() === 'EVAL'), 'EVAL sent without --probe-intrusive');
    assert.ok(!quiet.results.some((r) => r.message.startsWith('CVE-2022-0543')));

    const { facts, results } = await audit(url(servers.debian), {}, { probeIntrusive: true });
    assert.deepEqual(servers.debian.commands.filter((c) => c[0]!.toUpperCase() === 'EVAL'), [['EVAL', 'return type(package)', '0']]);
    assert.equal(facts.probe?.luaPackage?.outcome, 'exposed');
    const cve = finding(results, 'CVE-2022-0543');
    assert.equal(cve.severity, 'critical');
    assert.equal(cve.source?.kind, 'probe');
    assert.match(cve.message, /answered EVAL "return type\(package\)" 0 with 'table'/);
    assert.match(cve.remediation, /-@scripting/);
  });
});
