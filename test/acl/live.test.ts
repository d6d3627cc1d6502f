import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bundledCategoryTable, categoryTableFromLive } from '../../src/acl/categories.ts';
import { AclSyntaxError, parseAclListLine, parseAclUser } from '../../src/acl/parse.ts';
import { analyzeDangerous, canRun, effectiveCommands } from '../../src/acl/permissions.ts';
import type { AclUser, CategoryTable } from '../../src/facts/types.ts';
import { rawPipeline, RespError } from '../harness/raw.ts';
import type { RespValue as Reply } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Proof against the real server: rule parsing, ACL LIST renderings and ACL DRYRUN decisions.
// No skipping: a missing or wrong server fails the run (scripts/test.sh installs Debian's 7.0.15).
const src = { kind: 'live', command: 'ACL LIST' } as const;
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const strings = (reply: Reply): string[] => (Array.isArray(reply) ? reply.map(String) : []);
const names = (grants: readonly { command: string }[]): string[] => grants.map((g) => g.command).sort();

interface CommandMeta {
  readonly arity: number;
  readonly flags: readonly string[];
}

describe('against a live redis-server 7.x', () => {
  let redis: RunningServer | undefined;
  let version: string;
  let table: CategoryTable;
  const meta = new Map<string, CommandMeta>();
  let counter = 0;

  it('has a redis-server 7.x to compare with', () => assert.match(version, /^7\./));

  /** Sends the commands on one connection; error replies are returned as RespError, not thrown. */
  function pipeline(commands: readonly (readonly string[])[]): Promise<Reply[]> {
    assert.ok(redis, 'redis-server did not start');
    return rawPipeline(redis.host, redis.port, commands);
  }

  async function call(...args: string[]): Promise<Reply> {
    return (await pipeline([args]))[0]!;
  }

  /** Creates a user from the given rules; returns its name, or the server's error. */
  async function setUser(tokens: readonly string[]): Promise<{ name: string; error?: string }> {
    const name = `t${++counter}`;
    const reply = await call('ACL', 'SETUSER', name, ...tokens);
    return reply instanceof RespError ? { name, error: reply.message } : { name };
  }

  async function listLine(name: string): Promise<string> {
    const line = strings(await call('ACL', 'LIST')).find((l) => l.startsWith(`user ${name} `));
    assert.ok(line, `ACL LIST has no ${name}`);
    return line;
  }

  before(async () => {
    redis = await startRedis({ killOnStop: true });
    version = /redis_version:(\S+)/.exec(String(await call('INFO', 'server')))![1]!;
    const replies = new Map<string, string[]>();
    for (const category of strings(await call('ACL', 'CAT'))) {
      replies.set(category, strings(await call('ACL', 'CAT', category)));
    }
    table = categoryTableFromLive(replies, { kind: 'live', command: 'ACL CAT <category>' });
    const commands = await call('COMMAND');
    for (const entry of Array.isArray(commands) ? commands : []) {
      if (!Array.isArray(entry)) continue;
      for (const e of [entry, ...(Array.isArray(entry[9]) ? entry[9] : [])]) {
        if (Array.isArray(e)) meta.set(String(e[0]), { arity: Number(e[1]), flags: strings(e[2]!) });
      }
    }
  });

  after(async () => {
    await redis?.stop();
  });

  it('ACL CAT matches the bundled 7.0 table', (t) => {
    assert.ok(version.startsWith('7.0.'), `the renderings compared here are 7.0's; the server is ${version}`);
    const bundled = bundledCategoryTable({ version });
    assert.deepEqual(
      [...table.categories.keys()].sort(),
      [...bundled.categories.keys()].sort(),
    );
    for (const [category, members] of bundled.categories) {
      assert.deepEqual([...table.categories.get(category)!].sort(), [...members].sort(), category);
    }
  });

  describe('parseAclUser accepts and refuses what ACL SETUSER does', () => {
    const accepted: string[][] = [
      ['on', '>a', '>b', '<a', '~x', '+get'],
      ['ON', 'NOPASS', 'AllKeys', '+@ALL', '-@Dangerous', '+CONFIG|GET'],
      ['>a', `#${sha('q')}`, `!${sha('q')}`, '>with space'],
      ['nopass', '>x', 'nopass'],
      ['allkeys', 'resetkeys', '~x', '%R~y', '%w~z', '%RW~w', '%R'],
      ['allchannels', '&*', 'resetchannels', '&n.*'],
      ['(~a', '+get)', '(~a  +get)', '()'],
      ['(+get)', 'clearselectors', '(+set)'],
      ['sanitize-payload', 'skip-sanitize-payload'],
      ['on', '>p', '+@all', '(+get)', 'reset', '+set'],
      ['', 'on', ''],
      ['-@all', '+select|0', '+debug|object', '+config', '-config|set'],
    ];
    const refusedRules: string[][] = [
      ['allkeys', '~x'],
      ['~*', '%R~*'],
      ['%Q~x'],
      ['%RWR~a'],
      ['%~a'],
      ['%'],
      ['>a', '<nope'],
      [`!${sha('zz')}`],
      ['#ABC'],
      [`#${sha('x').toUpperCase()}`],
      ['(+get', '~x'],
      ['allchannels', '&x'],
      ['+config|get|x'],
      [')'],
      ['(on)'],
      ['(~"a b" +get)'],
      ['+debug|'],
      ['+'],
      ['-@'],
      ['+@foo'],
      ['~a b'],
      ['&a b'],
      ['bogus'],
    ];

    it('accepts the same rules, with the same flags and password hashes', async () => {
      for (const tokens of accepted) {
        const live = await setUser(tokens);
        assert.equal(live.error, undefined, `${JSON.stringify(tokens)}: ${live.error}`);
        const ours = parseAclUser(live.name, tokens, src, { version });
        const reply = await call('ACL', 'GETUSER', live.name);
        const fields = Array.isArray(reply) ? reply : [];
        const flags = strings(fields[fields.indexOf('flags') + 1]!);
        const passwords = strings(fields[fields.indexOf('passwords') + 1]!);
        assert.equal(ours.enabled, flags.includes('on'), JSON.stringify(tokens));
        assert.equal(ours.nopass, flags.includes('nopass'), JSON.stringify(tokens));
        assert.deepEqual(ours.passwords.map((p) => p.sha256), passwords, JSON.stringify(tokens));
        // The server's own rendering parses to the same user.
        const rendered = parseAclListLine(await listLine(live.name), src, { version });
        assert.equal(rendered.enabled, ours.enabled);
        assert.deepEqual(rendered.passwords.map((p) => p.sha256), passwords);
        assert.equal(rendered.selectors.length, ours.selectors.length, JSON.stringify(tokens));
        assert.deepEqual([...effectiveCommands(rendered, table).keys()], [...effectiveCommands(ours, table).keys()]);
      }
    });

    it('refuses the same rules, with the same message (passwords redacted)', async () => {
      for (const tokens of refusedRules) {
        const live = await setUser(tokens);
        assert.ok(live.error, `server accepted ${JSON.stringify(tokens)}`);
        let ours: unknown;
        try {
          parseAclUser(live.name, tokens, src, { version });
        } catch (error) {
          ours = error;
        }
        assert.ok(ours instanceof AclSyntaxError, `parser accepted ${JSON.stringify(tokens)}`);
        if (tokens.some((t) => /^[<>#!]/.test(t))) assert.ok(live.error.endsWith(`: ${ours.reason}`), live.error);
        else assert.equal(live.error, `ERR ${ours.message}`);
      }
    });
  });

  describe('the 7.0 ACL LIST rendering reads the same as the rules as written', () => {
    const same = [
      '+@all',
      'allcommands',
      '+@all -@dangerous',
      '-@all +@read -@dangerous +info',
      '+@all -@dangerous -@admin',
      '+@all -@dangerous +config|get',
      '+@all -@dangerous +@admin',
      '-@all +@admin',
      '-@dangerous +@all',
      '-@all +@read +@write -@dangerous',
      '-@all +@slow -@dangerous',
      '+@all -config +config|get -debug +debug|object',
      '-@all +get (~* +@all)',
      '-@all +get (~s:* -@all +@read -@dangerous +info)',
    ];

    for (const rules of same) {
      it(rules, async () => {
        const tokens = ['on', '>p', '~*', ...rules.split(' ')];
        const live = await setUser(tokens);
        assert.equal(live.error, undefined);
        const written = parseAclUser(live.name, tokens, src, { version });
        const rendered = parseAclListLine(await listLine(live.name), src, { version });
        assert.deepEqual([...effectiveCommands(rendered, table).keys()], [...effectiveCommands(written, table).keys()]);
        const w = analyzeDangerous(written, table, { rewritten: false });
        const r = analyzeDangerous(rendered, table, { rewritten: true });
        // The same commands, and the same verdict (some granted through a category, or none).
        assert.deepEqual(names([...r.viaCategory, ...r.byName]), names([...w.viaCategory, ...w.byName]), 'dangerous commands');
        assert.equal(r.viaCategory.length > 0, w.viaCategory.length > 0, 'verdict');
      });
    }

    // Where 7.0 renders two different writings identically, both get the verdict of the category grant:
    // `-@all +@read -@dangerous +keys` is `-@all +@read -sort_ro` to the server, keys through @read.
    it('is lossy where two writings share a rendering: both fail as the category grant', async () => {
      for (const [rules, expected] of [['-@all +@read', ['keys', 'sort_ro']], ['-@all +@read -@dangerous +keys', ['keys']], ['-@all +@dangerous -@admin', undefined]] as const) {
        const tokens = ['on', '>p', '~*', ...rules.split(' ')];
        const live = await setUser(tokens);
        const written = analyzeDangerous(parseAclUser(live.name, tokens, src, { version }), table, { rewritten: false });
        const rendered = analyzeDangerous(parseAclListLine(await listLine(live.name), src), table, { rewritten: true });
        assert.equal(rendered.judgedExcluded, true, rules);
        assert.deepEqual(names(rendered.viaCategory), expected ?? names(written.viaCategory), rules);
      }
    });
  });

  describe('effectiveCommands and canRun agree with ACL DRYRUN', () => {
    const users = [
      '+@all',
      'allcommands',
      '+@all -@dangerous',
      '+@all -@dangerous +config|get',
      '-@all +@admin',
      '-@all +@read',
      '+@all -@dangerous +@admin',
      '-@dangerous +@all',
      '-@all +get (~* &* +@all)',
      '-@all +get (~* &* -@all +@dangerous -@admin) (~* &* +config|set)',
      '+@all nocommands',
      '+@all reset ~* &* +get +@keyspace',
      '-@all +config -config|set +client -client|kill +acl|whoami',
      '+@all -@dangerous -@admin +@slow -@write',
      '-@all +@read -@dangerous +info',
      '-@all +@write +@keyspace -flushall -@fast',
      '-@all +@scripting +@connection +@transaction +@pubsub',
    ];

    /** A DRYRUN argument vector for a command or subcommand that satisfies its arity. */
    function argv(unit: string): string[] {
      const args = unit.split('|');
      const arity = Math.abs(meta.get(unit)?.arity ?? args.length);
      while (args.length < arity) args.push('x');
      return args;
    }

    for (const rules of users) {
      it(rules, async () => {
        const tokens = ['on', 'nopass', '~*', '&*', ...rules.split(' ')];
        const live = await setUser(tokens);
        assert.equal(live.error, undefined);
        const user: AclUser = parseAclUser(live.name, tokens, src, { version });
        const effective = effectiveCommands(user, table);
        const dangerous = new Set(table.categories.get('dangerous'));
        const containers = new Set([...meta.keys()].filter((n) => n.includes('|')).map((n) => n.split('|')[0]!));
        // AUTH and HELLO (no_auth) skip the ACL check on 7.0+; a container is never executed itself.
        const units = [...meta.keys()].filter((n) => !containers.has(n) && !meta.get(n)!.flags.includes('no_auth'));
        const replies = await pipeline(units.map((unit) => ['ACL', 'DRYRUN', live.name, ...argv(unit)]));
        let checked = 0;
        for (const [i, unit] of units.entries()) {
          const args = argv(unit);
          const reply = replies[i];
          const allowed = reply === 'OK';
          assert.ok(allowed || /no permissions to run/.test(String(reply)), `${unit}: ${String(reply)}`);
          // With dummy arguments a first-arg grant only applies to the argument 'x'.
          const probe = unit.includes('|') || args.length === 1 ? unit : `${unit}|${args[1]}`;
          assert.equal(canRun(user, probe, table), allowed, `canRun ${unit}`);
          if (dangerous.has(unit)) assert.equal(effective.has(unit), allowed, `effectiveCommands ${unit}`);
          checked++;
        }
        assert.ok(checked > 300);
      });
    }

    it('first-arg grants: SELECT 0 yes, SELECT 1 no, DEBUG OBJECT yes', async () => {
      const tokens = ['on', 'nopass', '~*', '-@all', '+select|0', '+debug|object'];
      const live = await setUser(tokens);
      const user = parseAclUser(live.name, tokens, src, { version });
      for (const [args, probe] of [
        [['select', '0'], 'select|0'],
        [['select', '1'], 'select|1'],
        [['debug', 'object', 'k'], 'debug|object'],
        [['debug', 'sleep', '0'], 'debug|sleep'],
      ] as const) {
        const allowed = (await call('ACL', 'DRYRUN', live.name, ...args)) === 'OK';
        assert.equal(canRun(user, probe, table), allowed, probe);
      }
      assert.deepEqual(names(analyzeDangerous(user, table, { rewritten: false }).byName), ['debug']);
    });
  });
});
