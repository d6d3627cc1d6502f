import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import type { EffectiveConf, ParsedConf } from '../../src/gather/conf/redis-conf.ts';
import type { AclFileResult } from '../../src/gather/conf/acl-file.ts';
import { FIXTURES } from './helpers.ts';

// Every real-world file of test/fixtures/corpus is parsed according to its kind: a result, or for an
// unrendered template a ConfigParseError that says so, never anything else.

const CORPUS = join(FIXTURES, 'corpus');
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface Entry {
  readonly file: string;
  readonly repo: string;
  readonly path: string;
  readonly kind: 'redis.conf' | 'sentinel.conf' | 'acl' | 'fragment';
  readonly notes: string;
  /** Where the file lives in a virtual tree of its repository, so that relative includes find their siblings. */
  readonly virtual: string;
}

function manifest(): Entry[] {
  const [header, ...rows] = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const cols = header!.split('\t');
  const table = rows.map((row) => {
    const cells = row.split('\t');
    return (name: string): string => cells[cols.indexOf(name)] ?? '';
  });
  // One repository's file at several tags (redis/redis's redis.conf of 2.4.18 to 7.4.1) gets one tree per tag: in one
  // tree the last would stand for them all, and every other tag's text would go unread.
  const seen = new Map<string, number>();
  for (const get of table) seen.set(`${get('repo')}\t${get('path')}`, (seen.get(`${get('repo')}\t${get('path')}`) ?? 0) + 1);
  return table.map((get) => {
    const path = get('path');
    // Fragments cut out of YAML (`values.yaml#commonConfiguration`) keep their corpus name.
    const inRepo = path.includes('#') ? get('file').split('/').pop()! : path;
    const tree = seen.get(`${get('repo')}\t${path}`)! > 1 ? `${get('repo')}@${get('commit_or_tag').split(' ')[0]}` : get('repo');
    return {
      file: get('file'),
      repo: get('repo'),
      path,
      kind: get('kind') as Entry['kind'],
      notes: get('notes'),
      virtual: `/repos/${tree}/${inRepo}`,
    };
  });
}

const ENTRIES = manifest();

// Files that a container image copies to an absolute path another corpus file includes.
const MOUNTS: Readonly<Record<string, string>> = {
  '/redis/conf/redis.tls.conf': 'written__docker-wildcard-include/redis.tls.conf',
  // ddev-redis mounts its redis/ directory at /etc/redis/conf (docker-compose.redis.yaml).
  ...Object.fromEntries(
    ['network', 'general', 'snapshots', 'security', 'memory', 'io', 'append', 'advanced'].map((n) => [`/etc/redis/conf/${n}.conf`, `ddev__ddev-redis/redis__${n}.conf`]),
  ),
};

function corpusFs(): { readFile: (p: string) => string; glob: (pattern: string) => string[] } {
  const files = new Map<string, string>();
  for (const e of ENTRIES) files.set(e.virtual, join(CORPUS, e.file));
  for (const [at, file] of Object.entries(MOUNTS)) files.set(at, join(CORPUS, file));
  return {
    readFile(p: string): string {
      const real = files.get(p);
      if (real === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return readFileSync(real, 'utf8');
    },
    glob(pattern: string): string[] {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return [...files.keys()].filter((p) => re.test(p)).sort();
    },
  };
}

type Outcome =
  | { kind: 'conf'; parsed: ParsedConf; eff: EffectiveConf }
  | { kind: 'acl'; lenient: AclFileResult; strict: AclFileResult | ConfigParseError }
  | { kind: 'template' | 'refused'; error: ConfigParseError };

function parseEntry(e: Entry): Outcome {
  if (e.kind === 'acl') {
    const text = readFileSync(join(CORPUS, e.file), 'utf8');
    let strict: AclFileResult | ConfigParseError;
    try {
      strict = parseAclFile(text, e.virtual);
    } catch (err) {
      if (!(err instanceof ConfigParseError)) throw err;
      strict = err;
    }
    return { kind: 'acl', lenient: parseAclFile(text, e.virtual, { lenient: true }), strict };
  }
  try {
    const parsed = loadConf(e.virtual, { ...corpusFs(), cwd: dirname(e.virtual) });
    const eff = effectiveConfig(parsed, e.kind === 'sentinel.conf' ? { sentinel: true } : {});
    return { kind: 'conf', parsed, eff };
  } catch (err) {
    if (err instanceof ConfigParseError && /template/.test(err.reason)) return { kind: 'template', error: err };
    if (err instanceof ConfigParseError && /unknown directive/.test(err.reason)) return { kind: 'refused', error: err };
    throw err;
  }
}

const outcomes = new Map<string, Outcome>();
function outcome(file: string): Outcome {
  let o = outcomes.get(file);
  if (!o) {
    const e = ENTRIES.find((x) => x.file === file);
    assert.ok(e, `${file} is in the manifest`);
    o = parseEntry(e);
    outcomes.set(file, o);
  }
  return o;
}

function conf(file: string): EffectiveConf {
  const o = outcome(file);
  assert.equal(o.kind, 'conf', `${file} parsed`);
  return (o as { eff: EffectiveConf }).eff;
}

function get(eff: EffectiveConf, name: string): string | undefined {
  return eff.config.get(name)?.value;
}

describe('corpus walk', () => {
  it('the manifest lists every kind', () => {
    assert.ok(ENTRIES.length >= 60);
    assert.equal(new Set(ENTRIES.map((e) => e.virtual)).size, ENTRIES.length, 'each file is read from a path of its own');
    assert.deepEqual(new Set(ENTRIES.map((e) => e.kind)), new Set(['redis.conf', 'sentinel.conf', 'acl', 'fragment']));
  });

  for (const e of ENTRIES) {
    it(`${e.kind}: ${e.file}`, () => {
      const o = outcome(e.file);
      const templated = /templated/i.test(e.notes);
      if (templated) {
        assert.equal(o.kind, 'template', 'a templated file is reported as such');
        const { error } = o as { error: ConfigParseError };
        assert.match(error.message, /^\/repos\/.+:\d+: unrendered template placeholder .+: render the template first$/);
        assert.equal(error.message.includes('\n'), false);
      } else {
        assert.notEqual(o.kind, 'template');
      }
      if (o.kind === 'conf' && e.kind === 'sentinel.conf') assert.ok(o.eff.sentinel);
    });
  }
});

describe('corpus facts', () => {
  it('goharbor: protected-mode no, bind commented out (all interfaces), no password, legacy names', () => {
    const eff = conf('goharbor__harbor/make__photon__valkey__redis.conf');
    assert.equal(get(eff, 'protected-mode'), 'no');
    assert.equal(eff.config.get('protected-mode')!.source.kind, 'file');
    assert.equal(get(eff, 'bind'), '* -::*');
    assert.equal(eff.config.get('bind')!.source.kind, 'default');
    assert.equal(eff.secrets.get('requirepass')!.value.set, false);
    assert.equal(get(eff, 'replica-read-only'), 'yes');
    assert.equal(get(eff, 'save'), '900 1 300 10 60 10000');
    assert.equal(get(eff, 'aof-use-rdb-preamble'), 'no');
  });

  it('docker image: the wildcard include pulls in the TLS fragment (dual-mode, not TLS-only)', () => {
    const o = outcome('written__docker-wildcard-include/redis.conf');
    assert.equal(o.kind, 'conf');
    const { eff, parsed } = o as { eff: EffectiveConf; parsed: ParsedConf };
    assert.deepEqual(parsed.files, ['/repos/redfort/written/docker-wildcard-include/redis.conf', '/redis/conf/redis.tls.conf']);
    assert.equal(get(eff, 'tls-port'), '16379');
    assert.deepEqual(eff.config.get('tls-port')!.source, { kind: 'file', path: '/redis/conf/redis.tls.conf', line: 1 });
    assert.equal(get(eff, 'port'), '6379');
    assert.equal(get(eff, 'tls-protocols'), 'TLSv1.2 TLSv1.3');
    assert.equal(get(eff, 'tls-auth-clients'), 'no');
    assert.equal(get(eff, 'aclfile'), '/redis/conf/users.acl');
    assert.equal(get(eff, 'proc-title-template'), '{title} {listen-addr} {server-mode}');
    assert.deepEqual(eff.includes.map((i) => i.value), ['/redis/conf/*.conf']);
  });

  it('boulder ratelimits: TLS-only (port 0 + tls-port), renamed commands, inline users', () => {
    const eff = conf('letsencrypt__boulder/test__redis-ratelimits.config');
    assert.equal(get(eff, 'port'), '0');
    assert.equal(get(eff, 'tls-port'), '4218');
    assert.equal(get(eff, 'tls-protocols'), 'TLSv1.3');
    assert.equal(eff.renames.size, 12);
    assert.equal(eff.renames.get('config')!.value, '');
    assert.deepEqual(eff.users.map((u) => [u.name, u.enabled]), [['default', false], ['boulder', true]]);
    assert.equal(eff.users[1]!.plaintextPasswords, 1);
    assert.equal(get(eff, 'masteruser'), 'boulder');
    assert.equal(eff.secrets.get('masterauth')!.value.sha256, sha('824968fa490f4ecec1e52d5e34916bdb60d45f8d'));
  });

  it('boulder ocsp: column-aligned user lines', () => {
    const eff = conf('letsencrypt__boulder/test__redis-ocsp.config');
    assert.deepEqual(eff.users.map((u) => u.name), ['default', 'rocsp-tool', 'ocsp-responder', 'boulder-ra', 'admin-user', 'unittest-rw']);
    assert.deepEqual(eff.users[1]!.rules, ['+@all', '~*']);
  });

  it('boulder cluster node: cluster over TLS', () => {
    const eff = conf('letsencrypt__boulder/test__redis-cluster.config');
    assert.equal(get(eff, 'cluster-enabled'), 'yes');
    assert.equal(get(eff, 'tls-cluster'), 'yes');
    assert.equal(get(eff, 'tls-replication'), 'yes');
    assert.equal(get(eff, 'port'), '0');
  });

  it("Windows replication: 'dir c:\\data', multi-pair save, masteruser default", () => {
    const eff = conf('written__windows-replication/primary__redis.conf');
    assert.equal(get(eff, 'dir'), 'c:\\data');
    assert.equal(get(eff, 'save'), '3600 1 300 100 60 10000');
    assert.equal(eff.config.get('save')!.source.kind, 'file');
    assert.equal(get(eff, 'masteruser'), 'default');
    assert.equal(get(eff, 'protected-mode'), 'no');
    assert.equal(eff.secrets.get('requirepass')!.value.length, 64);
  });

  it('Windows replication: a sentinel config in a file named redis.conf', () => {
    const eff = conf('written__windows-replication/sentinel__redis.conf');
    assert.equal(get(eff, 'port'), '5000');
    assert.ok(eff.sentinel!.masters.get('myprimary')!.authPass!.value.set);
  });

  it('Windows 5.0: CRLF throughout, protected-mode no, the documented example password', () => {
    const eff = conf('written__windows-crlf/redis.conf');
    assert.equal(get(eff, 'protected-mode'), 'no');
    assert.deepEqual(eff.config.get('protected-mode')!.source, {
      kind: 'file',
      path: '/repos/redfort/written/windows-crlf/redis.conf',
      line: 75,
    });
    assert.equal(eff.secrets.get('requirepass')!.value.sha256, sha('foobared'));
    assert.equal(get(eff, 'save'), '');
    for (const v of eff.config.values()) assert.equal(v.value.includes('\r'), false);
  });

  it('running-coder users.acl: the comment line fails strict mode; the duplicate default user', () => {
    const o = outcome('running-coder__nanolooker/users.acl') as Extract<Outcome, { kind: 'acl' }>;
    assert.ok(o.strict instanceof ConfigParseError);
    assert.equal(o.strict.line, 2);
    assert.match(o.strict.reason, /^comments are not allowed in ACL files: redis-server refuses to start/);
    assert.deepEqual(o.lenient.problems.map((p) => p.line), [2, 4]);
    assert.match(o.lenient.problems[1]!.reason, /^Duplicate user 'default' found on line 4 \(first defined on line 3\)/);
    const [def] = o.lenient.users;
    assert.equal(def!.name, 'default');
    assert.equal(def!.nopass, false);
    assert.equal(def!.passwords[0]!.sha256, sha('nopass'));
    assert.deepEqual(def!.rules, ['+@all', '~jobs:*']);
  });

  it('compose sentinel: state rewritten by the server', () => {
    const eff = conf('written__sentinel-rewritten/sentinel.conf');
    const s = eff.sentinel!;
    assert.equal(s.myid, '03213a08cddae0ca0febf412363e22fff1c48a70');
    assert.equal(s.currentEpoch, 7);
    assert.equal(s.denyScriptsReconfig.source.kind, 'file');
    const m = s.masters.get('mymaster')!;
    assert.deepEqual(m.knownReplicas.map((r) => `${r.value.host}:${r.value.port}`), ['172.19.0.2:6381', '172.19.0.3:6381']);
    assert.equal(m.settings.get('config-epoch')!.value, '7');
    assert.equal(get(eff, 'dir'), '/tmp');
    assert.equal(get(eff, 'port'), '26380');
  });

  it('compose replica: legacy slaveof with a hostname', () => {
    const eff = conf('written__sentinel-rewritten/slave.conf');
    assert.equal(get(eff, 'replicaof'), 'redis-master 6380');
    assert.equal(get(eff, 'bind'), '0.0.0.0');
  });

  it('Windows 3.2 sentinel: escaped backslashes, known-slave and known-sentinel', () => {
    const eff = conf('written__windows-3.2/运行后__sentinel26379.conf');
    assert.equal(get(eff, 'dir'), 'F:\\software\\Redis-x64-3.2.100');
    const m = eff.sentinel!.masters.get('mymaster')!;
    assert.equal(m.knownReplicas.length, 2);
    assert.deepEqual(m.knownSentinels.map((x) => x.value.port), [26381, 26380]);
  });

  it('MicrosoftArchive: a two-level relative include chain with legacy names', () => {
    const o = outcome('MicrosoftArchive__redis/msvs__Samples__MasterSlaveSentinelConf__slave.1.conf');
    const { eff, parsed } = o as { eff: EffectiveConf; parsed: ParsedConf };
    const dir = '/repos/MicrosoftArchive/redis/msvs/Samples/MasterSlaveSentinelConf';
    assert.deepEqual(parsed.files, [`${dir}/slave.1.conf`, `${dir}/slave.conf`, `${dir}/base.conf`]);
    assert.equal(get(eff, 'port'), '10001');
    assert.equal(get(eff, 'replicaof'), '127.0.0.1 6379');
    assert.equal(get(eff, 'repl-ping-replica-period'), '2');
    assert.equal(get(eff, 'logfile'), 'stdout');
    assert.equal(get(eff, 'dbfilename'), 'slave1.rdb');
  });

  it('the Redis test sentinel fragment: monitor after its per-master lines', () => {
    const eff = conf('redis__redis/tests__sentinel__tests__includes__sentinel.conf');
    const m = eff.sentinel!.masters.get('setmaster')!;
    assert.equal(m.settings.get('failover-timeout')!.value, '240000');
    assert.equal(m.settings.get('parallel-syncs')!.value, '2');
  });

  it('PromPHP: a hostname in sentinel monitor with resolve-hostnames yes', () => {
    const s = conf('PromPHP__prometheus_client_php/sentinel.conf').sentinel!;
    assert.equal(s.masters.get('myprimary')!.host, 'redis');
    assert.equal(s.resolveHostnames.value, 'yes');
  });

  it('KeyDB: its directives are warnings told the version KeyDB reports (6.3.x), an error with the version unknown (issue 11)', () => {
    // QA41-112: told 6.3.4 (what KeyDB's INFO says), `server-threads 2` was refused as "redis-server refuses to start",
    // though keydb-server starts with its stock file: no Redis is 6.3, and KeyDB's own directives are in no table.
    const e = ENTRIES.find((x) => x.file === 'Snapchat__KeyDB/v6.3.4__keydb.conf')!;
    const parsed = loadConf(e.virtual, { ...corpusFs(), cwd: dirname(e.virtual), version: '6.3.4' });
    const warnings = [...parsed.warnings, ...effectiveConfig(parsed, { version: '6.3.4', versionKnown: true }).warnings];
    assert.ok(warnings.some((w) => /keydb\.conf:2052: unknown directive \(not shown: a word of 14 characters that is no Redis or Valkey directive\): .*version 6\.3\.4 is not one whose directives redfort knows, so it is not judged/.test(w)), warnings.join('\n'));
    assert.ok(!warnings.some((w) => /keydb\.conf:2052: .*redis-server would refuse/.test(w)), warnings.join('\n'));
    // The version unknown: every release redfort knows refuses the file.
    const o = outcome('Snapchat__KeyDB/v6.3.4__keydb.conf');
    assert.equal(o.kind, 'refused');
    assert.match((o as { error: ConfigParseError }).error.message, /keydb\.conf:2052: unknown directive \(not shown: a word of 14 characters that is no Redis or Valkey directive\)/);
  });

  it('Redis test default.conf: the protected features are open', () => {
    const eff = conf('redis__redis/tests__assets__default.conf');
    assert.equal(get(eff, 'enable-debug-command'), 'yes');
    assert.equal(get(eff, 'enable-protected-configs'), 'yes');
    assert.equal(get(eff, 'logfile'), '');
    assert.equal(get(eff, 'replica-serve-stale-data'), 'yes');
  });

  it('Roo-Code: requirepass "" is no password at all', () => {
    const eff = conf('RooVetGit__Roo-Code/redis.conf');
    assert.equal(eff.secrets.get('requirepass')!.value.set, false);
    assert.equal(eff.secrets.get('requirepass')!.source.kind, 'file');
    assert.equal(get(eff, 'bind'), '0.0.0.0');
  });

  it('inyoka: a templated requirepass, reported without quoting it', () => {
    const o = outcome('inyokaproject__docker-setup/redis.conf');
    assert.equal(o.kind, 'template');
    const { error } = o as { error: ConfigParseError };
    assert.equal(error.line, 1092);
    assert.match(error.reason, /^unrendered template placeholder \{\{ … \}\} in 'requirepass'/);
    assert.doesNotMatch(error.message, /inyoka-redis-password/);
  });

  it('templates of every syntax are named', () => {
    const placeholder = (file: string): string =>
      /placeholder '([^']+)'/.exec((outcome(file) as { error: ConfigParseError }).error.reason)![1]!;
    assert.equal(placeholder('written__envsubst-template/redis.conf.tpl'), '${REDIS_HOST}');
    assert.equal(placeholder('written__sed-template/sentinel.conf'), '@MASTER_HOST@');
    assert.match(placeholder('geerlingguy__ansible-role-redis/templates__redis.conf.j2'), /^\{\{ redis_daemon/);
    // ERB, EPP, bare $NAME and %name% (redfort said 'unknown directive', or took $HOST_IP for a host).
    assert.equal(placeholder('voxpupuli__puppet-redis/templates__redis.conf.epp'), '<%- |');
    assert.equal(placeholder('voxpupuli__puppet-redis/templates__redis-sentinel.conf.epp'), '<%# THIS FILE IS MANAGED BY PUPPET -%>');
    assert.match(placeholder('sous-chefs__redisio/templates__default__redis.conf.erb'), /^<%/);
    assert.equal(placeholder('dahomey-technologies__rustis/redis__sentinel.conf'), '$HOST_IP');
    assert.equal(placeholder('kubernetes__examples/_archived__storage__redis__image__redis-slave.conf'), '%master-ip%');
    assert.equal((outcome('kubernetes__examples/_archived__storage__redis__image__redis-slave.conf') as { error: ConfigParseError }).error.line, 206);
  });

  it('ddev-redis: eight absolute includes of the mounted fragments', () => {
    const o = outcome('ddev__ddev-redis/redis__scripts__setup-redis-optimized-config.sh.redis.conf');
    assert.equal(o.kind, 'conf');
    const { eff, parsed } = o as { eff: EffectiveConf; parsed: ParsedConf };
    assert.deepEqual(parsed.files.slice(1), ['network', 'general', 'snapshots', 'security', 'memory', 'io', 'append', 'advanced'].map((n) => `/etc/redis/conf/${n}.conf`));
    assert.equal(get(eff, 'bind'), '0.0.0.0');
    assert.deepEqual(eff.config.get('bind')!.source, { kind: 'file', path: '/etc/redis/conf/network.conf', line: 24 });
    assert.equal(get(eff, 'save'), '3600 1 300 100 60 10000');
    assert.equal(get(eff, 'maxmemory'), String(512 * 1024 * 1024));
    assert.equal(get(eff, 'enable-debug-command'), 'yes');
    assert.deepEqual(eff.users.map((u) => [u.name, u.enabled, u.plaintextPasswords]), [['default', true, 1], ['redis', true, 1]]);
    assert.equal(eff.users[0]!.passwords[0]!.sha256, sha('redis'));
  });

  it('Redis 2.4: vm-enabled stops every release redfort knows, and is a warning given 2.4.18', () => {
    const o = outcome('redis__redis/2.4.18__redis.conf');
    assert.equal(o.kind, 'refused');
    assert.match((o as { error: ConfigParseError }).error.message, /@2\.4\.18\/redis\.conf:390: unknown directive 'vm-enabled'/);
    const e = ENTRIES.find((x) => x.file === 'redis__redis/2.4.18__redis.conf')!;
    const eff = effectiveConfig(loadConf(e.virtual, { ...corpusFs(), cwd: dirname(e.virtual), version: '2.4.18' }), { version: '2.4.18' });
    assert.match(eff.warnings[0]!, /:390: unknown directive 'vm-enabled': .*version 2\.4\.18 is not one whose directives redfort knows/);
    assert.equal(get(eff, 'port'), '6379');
  });

  it('greenbone: a Unix socket only, 1025 databases', () => {
    const eff = conf('greenbone__openvas-scanner/config__redis-openvas.conf');
    assert.equal(get(eff, 'port'), '0');
    assert.equal(get(eff, 'unixsocket'), '/run/redis-openvas/redis.sock');
    assert.equal(get(eff, 'unixsocketperm'), '770');
    assert.equal(get(eff, 'databases'), '1025');
    assert.equal(get(eff, 'syslog-enabled'), 'yes');
  });

  it('an ACL file with a pattern after ~* stops redis-server at line 1', () => {
    const o = outcome('written__acl-allkeys-then-pattern/users.acl') as Extract<Outcome, { kind: 'acl' }>;
    assert.ok(o.strict instanceof ConfigParseError, 'strict mode refuses the file');
    assert.equal(o.strict.line, 1);
    assert.match(o.strict.reason, /Adding a pattern after the \* pattern/);
    assert.deepEqual(o.lenient.problems.map((p) => p.line), [1]);
    assert.deepEqual(o.lenient.users.map((u) => u.name), ['api-server', 'default']);
  });

  it('bitnami fragment without final newline: save ""', () => {
    assert.equal(get(conf('bitnami__charts/bitnami__redis__values.yaml.commonConfiguration.conf'), 'save'), '');
  });

  it('ACL files with selectors and key permissions', () => {
    const o = outcome('redis__redis/tests__assets__userwithselectors.acl') as Extract<Outcome, { kind: 'acl' }>;
    assert.ok(!(o.strict instanceof ConfigParseError));
    assert.ok(o.strict.users.some((u) => u.selectors.length > 0));
  });
});
