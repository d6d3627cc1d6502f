import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AclState, AclUser, CommandSurface, Facts, FactKey, InfoSections, ServerIdentity, Source } from '../src/facts/types.ts';
import type { Rule, Severity, Status } from '../src/rules/define.ts';
import { runRules } from '../src/engine/run.ts';
import { ruleContext } from '../src/rules/context.ts';
import { effectiveConfig, parseConfText } from '../src/gather/conf/redis-conf.ts';
import { parseAclListLine, parseAclUser } from '../src/acl/parse.ts';
import { bundledCategoryTable } from '../src/acl/categories.ts';
import { parseInfo } from '../src/redis/info.ts';
import { ADMIN_COMMANDS } from '../src/redis/commands.ts';

export interface FactsSpec {
  /** redis.conf text, parsed by the real parser; every other directive takes its compiled default. */
  readonly conf?: string;
  /** `ACL LIST` lines; when absent the default user follows `requirepass` as the server makes it. */
  readonly acl?: readonly string[];
  readonly version?: string;
  readonly product?: 'redis' | 'valkey';
  readonly mode?: ServerIdentity['mode'];
  /** INFO text (`# Section` and `field:value` lines). */
  readonly info?: string;
  /** Admin commands renamed or removed (COMMAND INFO gives nil). */
  readonly hidden?: readonly string[];
  readonly now?: number;
  /** Facts to leave out, with the reason a gatherer would give. */
  readonly unavailable?: Partial<Record<FactKey, string>>;
  readonly extra?: Partial<Facts>;
}

const LIVE: Source = { kind: 'live', command: 'test' };

/** Facts as a live audit of a server with this configuration would gather them. */
export function liveFacts(spec: FactsSpec = {}): Facts {
  const version = spec.version ?? '7.0.15';
  const product = spec.product ?? 'redis';
  const { config, secrets } = effectiveConfig({ directives: parseConfText(spec.conf ?? '', 'redis.conf'), files: ['redis.conf'], warnings: [] }, { version: product === 'valkey' ? `valkey-${version}` : version });
  const requirepass = secrets.get('requirepass');
  const lines = spec.acl ?? [
    requirepass?.value.set ? `user default on #${requirepass.value.sha256} ~* &* +@all` : 'user default on nopass ~* &* +@all',
  ];
  const users: AclUser[] = lines.map((line) => parseAclListLine(line, LIVE));
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const acl: AclState = { users, origin: 'acl-list', rewritten: product === 'redis' && (major < 7 || (major === 7 && minor < 2)), source: LIVE };
  const server: ServerIdentity = { product, version, mode: spec.mode ?? 'standalone', configFile: undefined, source: LIVE };
  const info: InfoSections = parseInfo(spec.info ?? '# Server\nredis_version:7.0.15\n# Persistence\nrdb_last_bgsave_status:ok\naof_enabled:0\n');
  const hidden = new Set(spec.hidden ?? []);
  const commands: CommandSurface = { present: new Map(ADMIN_COMMANDS.map((c) => [c, !hidden.has(c)])), renames: new Map(), source: LIVE };
  const facts: Facts = {
    target: 'redis://test',
    sources: new Set(['live']),
    server,
    info,
    config,
    secrets,
    acl,
    categories: bundledCategoryTable({ version, mode: server.mode }),
    commands,
    now: { value: spec.now ?? 1_800_000_000, source: LIVE },
    ...spec.extra,
    unavailable: spec.unavailable ?? {},
  };
  for (const key of Object.keys(spec.unavailable ?? {}) as FactKey[]) delete (facts as unknown as Record<string, unknown>)[key];
  return facts;
}

/** The ACL facts of a Redis 5 server (no ACL): the only user is `default`, guarded by requirepass alone. */
export function redis5Acl(requirepass: string): AclState {
  const tokens = requirepass === '' ? ['on', 'nopass', '~*', '+@all'] : ['on', `>${requirepass}`, '~*', '+@all'];
  return { users: [parseAclUser('default', tokens, LIVE, { version: '6.0.0' })], origin: 'requirepass', rewritten: false, source: LIVE };
}

export interface Case {
  readonly name: string;
  readonly facts: Facts;
  /** Expected failing findings (fail cases): each message must match, in order. */
  readonly messages?: readonly RegExp[];
  readonly severity?: Severity;
  /** A pattern the pass or skip message must match. */
  readonly message?: RegExp;
}

/** Runs a rule on each case through the engine and checks the status, like ESLint's RuleTester. */
export function ruleTester(rule: Rule, cases: { pass?: readonly Case[]; fail?: readonly Case[]; skip?: readonly Case[]; manual?: readonly Case[] }): void {
  for (const status of ['pass', 'fail', 'skip', 'manual'] as const satisfies readonly Status[]) {
    for (const c of cases[status] ?? []) {
      test(`${rule.id} ${status}: ${c.name}`, () => {
        const results = runRules([rule], c.facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
        assert.ok(results.length > 0, 'the rule produced no result');
        for (const r of results) assert.equal(r.status, status, `${r.status}: ${r.message}`);
        if (c.message) assert.match(results[0]!.message, c.message);
        if (c.messages) {
          assert.equal(results.length, c.messages.length, results.map((r) => r.message).join('\n'));
          c.messages.forEach((m, i) => assert.match(results[i]!.message, m));
        }
        if (c.severity) assert.equal(results[0]!.severity, c.severity);
      });
    }
  }
}
