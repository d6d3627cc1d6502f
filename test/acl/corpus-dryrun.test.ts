import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { categoryTableFromLive } from '../../src/acl/categories.ts';
import { canRun } from '../../src/acl/permissions.ts';
import { ConfigParseError } from '../../src/gather/conf/redis-conf.ts';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import type { CategoryTable } from '../../src/facts/types.ts';
import { rawPipeline } from '../harness/raw.ts';
import type { RespValue as Reply } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { CORPUS, corpusFiles } from '../helpers/corpus.ts';

// The corpus's ACL files (written by others for real deployments: test/fixtures/corpus/MANIFEST.tsv) loaded by
// redis-server itself, with one more user for the test to ask as. For every user of a file, as redfort's ACL file
// parser reads it, and for every command the server has: whether redfort says the user may run it, against the
// server's own ACL DRYRUN. A refusal that names a key or a channel, not the command, still means the command is
// allowed (the file's key patterns are not the test's to match). A file the server refuses is refused by the
// parser too.

const TESTER = 'redfort-corpus-tester';

after(stopAll);

const files = corpusFiles(['acl']);

const strings = (reply: Reply | undefined): string[] => (Array.isArray(reply) ? reply.map(String) : []);

interface Server {
  readonly ask: (commands: readonly (readonly string[])[]) => Promise<Reply[]>;
  readonly version: string;
  readonly table: CategoryTable;
  /** Every command and subcommand the server has (never a container itself, nor what skips the ACL check). */
  readonly units: readonly string[];
  readonly arity: ReadonlyMap<string, number>;
}

async function describeServer(ask: Server['ask']): Promise<Server> {
  const [info, cat, commands] = await ask([['INFO', 'server'], ['ACL', 'CAT'], ['COMMAND']]);
  const version = /redis_version:(\S+)/.exec(String(info))![1]!;
  const categories = strings(cat);
  const lists = await ask(categories.map((c) => ['ACL', 'CAT', c]));
  const table = categoryTableFromLive(new Map(categories.map((c, i) => [c, strings(lists[i])])), { kind: 'live', command: 'ACL CAT <category>' });
  const arity = new Map<string, number>();
  const flags = new Map<string, string[]>();
  for (const entry of Array.isArray(commands) ? commands : []) {
    if (!Array.isArray(entry)) continue;
    for (const e of [entry, ...(Array.isArray(entry[9]) ? entry[9] : [])]) {
      if (!Array.isArray(e)) continue;
      arity.set(String(e[0]), Math.abs(Number(e[1])));
      flags.set(String(e[0]), strings(e[2]));
    }
  }
  const containers = new Set([...arity.keys()].filter((n) => n.includes('|')).map((n) => n.split('|')[0]!));
  // AUTH and HELLO (no_auth) skip the ACL check; a container is never executed itself.
  const units = [...arity.keys()].filter((n) => !containers.has(n) && !flags.get(n)!.includes('no_auth')).sort();
  return { ask, version, table, units, arity };
}

/** A DRYRUN argument vector for a command or subcommand that satisfies its arity. */
function argv(server: Server, unit: string): string[] {
  const args = unit.split('|');
  const arity = server.arity.get(unit) ?? args.length;
  while (args.length < arity) args.push('x');
  return args;
}

describe("the corpus's ACL files against ACL DRYRUN", () => {
  let loaded = 0;
  let checked = 0;

  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const withTester = `${text.endsWith('\n') ? text : `${text}\n`}user ${TESTER} on nopass ~* &* +@all\n`;
      let server;
      try {
        server = await startRedis({ conf: 'aclfile users.acl\n', files: { 'users.acl': withTester }, username: TESTER, password: 'any', killOnStop: true });
      } catch {
        assert.throws(() => parseAclFile(text, file), ConfigParseError, 'redis-server refused the file; the parser read it');
        return;
      }
      try {
        loaded++;
        const ask = (commands: readonly (readonly string[])[]): Promise<Reply[]> =>
          rawPipeline('127.0.0.1', server.port, [['AUTH', TESTER, 'any'], ...commands]).then((replies) => replies.slice(1));
        const live = await describeServer(ask);
        const { users } = parseAclFile(text, file, { version: live.version });
        assert.ok(users.length > 0, 'the parser found no user');
        for (const user of users) {
          const replies = await ask(live.units.map((unit) => ['ACL', 'DRYRUN', user.name, ...argv(live, unit)]));
          const wrong: string[] = [];
          for (const [i, unit] of live.units.entries()) {
            const reply = String(replies[i]);
            const allowed = reply === 'OK' || /no permissions to access the .* (key|channel)/.test(reply);
            assert.ok(allowed || /no permissions to run the/.test(reply), `${user.name} ${unit}: ${reply}`);
            const args = argv(live, unit);
            // With dummy arguments a first-arg grant (`+select|0`) only applies to the argument 'x'.
            const probe = unit.includes('|') || args.length === 1 ? unit : `${unit}|${args[1]}`;
            if (canRun(user, probe, live.table) !== allowed) wrong.push(`${unit}: server ${allowed ? 'allows' : 'denies'}`);
            checked++;
          }
          assert.deepEqual(wrong, [], `user ${user.name}`);
        }
      } finally {
        await server.stop();
      }
    });
  }

  it('compares enough to mean something', () => {
    assert.ok(files.length >= 7, `${files.length} ACL files`);
    assert.ok(loaded >= 5, `${loaded} files loaded`);
    assert.ok(checked > 4000, `${checked} commands compared`);
  });
});
