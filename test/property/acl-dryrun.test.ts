import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAclListLine } from '../../src/acl/parse.ts';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { rawPipeline } from '../harness/raw.ts';
import type { RespValue as Reply } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { describeServer, disagreements, strings } from '../helpers/acl-dryrun.ts';
import type { Server } from '../helpers/acl-dryrun.ts';

// Random command rules (categories, commands, subcommands, allcommands/nocommands, in any order and either sign,
// and selectors of them),
// given to a real server with ACL SETUSER: for every command and subcommand the server has, whether redfort says the
// user may run it must be what the server's own ACL DRYRUN says, both from the rules as written (an ACL file's
// `user` line) and from the line ACL LIST renders (what a live audit reads). fast-check shrinks a disagreement to
// the shortest list of rules that shows it. Seeded: the same rules in every run, so a failure can be replayed.

const RUNS = Number(process.env.ACL_DRYRUN_RUNS ?? 100);
const SEED = Number(process.env.ACL_DRYRUN_SEED ?? 20261205);
const TESTER = 'redfort-dryrun-tester';

after(stopAll);

describe('random ACL command rules against ACL DRYRUN', () => {
  let server: RunningServer;
  let live: Server;
  let categories: string[];
  let commands: string[];
  let subcommands: string[];

  before(async () => {
    server = await startRedis({ conf: `user ${TESTER} on >any ~* &* +@all\n`, username: TESTER, password: 'any' });
    const ask = (list: readonly (readonly string[])[]): Promise<Reply[]> =>
      rawPipeline('127.0.0.1', server.port, [['AUTH', TESTER, 'any'], ...list]).then((replies) => replies.slice(1));
    live = await describeServer(ask);
    categories = strings((await ask([['ACL', 'CAT']]))[0]);
    subcommands = live.units.filter((u) => u.includes('|'));
    commands = [...new Set(live.units.map((u) => u.split('|')[0]!))];
  });

  it('redfort reads every user as the server runs it', async () => {
    let compared = 0;
    let accepted = 0;
    const simple = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...categories)).map(([sign, c]) => `${sign}@${c}`) },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...commands)).map(([sign, c]) => `${sign}${c}`) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('+', '-'), fc.constantFrom(...subcommands)).map(([sign, c]) => `${sign}${c}`) },
    );
    const rule = fc.oneof({ weight: 11, arbitrary: simple }, { weight: 1, arbitrary: fc.constantFrom('allcommands', 'nocommands', '+@all', '-@all') });
    // A selector (7.0+): its own command rules, over every key and channel, so that DRYRUN's dummy key matches.
    const selector = fc.array(fc.oneof(simple, fc.constantFrom('allcommands', 'nocommands')), { minLength: 1, maxLength: 3 }).map((rules) => `(~* &* ${rules.join(' ')})`);
    const anyRule = fc.oneof({ weight: 9, arbitrary: rule }, { weight: 1, arbitrary: selector });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyRule, { minLength: 1, maxLength: 8 }), async (rules) => {
        const name = `u${n++}`;
        const [set] = await live.ask([['ACL', 'SETUSER', name, 'reset', 'on', 'nopass', '~*', '&*', ...rules]]);
        // A rule this server refuses (-config|get before 7.0) is not redfort's to read.
        if (set instanceof Error) return;
        accepted++;
        const [line] = await live.ask([['ACL', 'GETUSER', name], ['ACL', 'LIST']]).then(([, list]) => strings(list).filter((l) => l.startsWith(`user ${name} `)));
        assert.ok(line, `ACL LIST has no line for ${name}`);
        const written = parseAclFile(`user ${name} on nopass ~* &* ${rules.join(' ')}\n`, 'users.acl', { version: live.version }).users[0]!;
        const listed = parseAclListLine(line, { kind: 'live', command: 'ACL LIST' }, { version: live.version });
        const fromFile = await disagreements(live, name, written, (c) => { compared += c; });
        assert.deepEqual(fromFile, [], `as written: ${rules.join(' ')}`);
        const fromList = await disagreements(live, name, listed, (c) => { compared += c; });
        assert.deepEqual(fromList, [], `as ACL LIST renders it: ${line}`);
        await live.ask([['ACL', 'DELUSER', name]]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    assert.ok(accepted >= RUNS / 2, `${accepted} of ${RUNS} rule lists accepted`);
    assert.ok(compared > RUNS * 200, `${compared} commands compared`);
  });
});
