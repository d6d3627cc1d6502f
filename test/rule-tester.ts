import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AclState, AclUser, CommandSurface, InfoSections, ServerIdentity } from '../src/facts/live.ts';
import type { FactKey } from '../src/facts/keys.ts';
import { FACT_KEYS } from '../src/facts/keys.ts';
import type { Source } from '../src/facts/source.ts';
import type { Facts } from '../src/facts/types.ts';
import type { Rule, Severity, Status } from '../src/rules/define.ts';
import { runRules } from '../src/engine/run.ts';
import { ruleContext } from '../src/rules/context.ts';
import { effectiveConfig } from '../src/gather/conf/effective.ts';
import { parseConfText } from '../src/gather/conf/tokenize.ts';
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

type Mutable<T> = { -readonly [P in keyof T]: T[P] };

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
  const facts: Mutable<Facts> = {
    target: 'redis://test',
    sources: new Set(['live']),
    server,
    info,
    config,
    secrets,
    acl,
    categories: bundledCategoryTable({ version, mode: server.mode, product }),
    commands,
    now: { value: spec.now ?? 1_800_000_000, source: LIVE },
    ...spec.extra,
    unavailable: spec.unavailable ?? {},
  };
  for (const key of FACT_KEYS) if (spec.unavailable?.[key] !== undefined) delete facts[key];
  return facts;
}

/**
 * The ACL facts of a server whose ACL LIST line for the default user redfort could not read (a newer server's
 * syntax, here Valkey-style `alldbs`): the gatherer leaves it out and says so in `unreadable`; the line given is read.
 */
export function unreadDefaultAcl(read = 'user app on #92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3 ~app:* resetchannels -@all +get'): AclState {
  return {
    users: [parseAclListLine(read, LIVE)],
    origin: 'acl-list',
    rewritten: true,
    unreadable: ["ACL LIST line 1 (user 'default') could not be read and was left out of the audit: Error in ACL SETUSER modifier 'alldbs': Syntax error"],
    source: LIVE,
  };
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
  /** redfort's own clock for the case (default 1_800_000_000, 2027-01-15). */
  readonly nowSeconds?: number;
}

/** What deepFreeze has frozen already (cases share fixtures). */
const FROZEN = new WeakSet<object>();

/**
 * Freezes a value and everything it holds, Maps and Sets included (their set/add/delete/clear throw), so that a
 * rule that changes the facts it is handed fails instead of leaking its change into the next rule.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || FROZEN.has(value) || ArrayBuffer.isView(value)) return value;
  FROZEN.add(value);
  const refuse = (what: string) => () => {
    throw new TypeError(`the facts are read-only: a rule called ${what}`);
  };
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
    if (!Object.isFrozen(value)) for (const method of ['set', 'delete', 'clear']) Object.defineProperty(value, method, { value: refuse(`Map.${method}`) });
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v);
    if (!Object.isFrozen(value)) for (const method of ['add', 'delete', 'clear']) Object.defineProperty(value, method, { value: refuse(`Set.${method}`) });
  }
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}

/** A table of cases by the status the rule must give. */
export type Cases = { readonly [S in 'pass' | 'fail' | 'skip' | 'manual']?: readonly Case[] };

/**
 * Runs a rule on each case through the engine and checks the status, like ESLint's RuleTester. The facts are
 * deep-frozen first (a rule that mutates them fails), and two cases of one table may not share a name.
 */
export function ruleTester<K extends FactKey>(rule: Rule<K>, cases: Cases): void {
  const names = new Set<string>();
  for (const c of Object.values(cases).flat()) {
    if (names.has(c.name)) throw new Error(`${rule.id}: two cases are named '${c.name}': each case needs its own name`);
    names.add(c.name);
  }
  for (const status of ['pass', 'fail', 'skip', 'manual'] as const satisfies readonly Status[]) {
    for (const c of cases[status] ?? []) {
      test(`${rule.id} ${status}: ${c.name}`, () => {
        const results = runRules([rule], deepFreeze(c.facts), { context: ruleContext({ nowSeconds: c.nowSeconds ?? 1_800_000_000 }) });
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
