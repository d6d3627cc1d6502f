import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AclSyntaxError, parseAclListLine, parseAclUser } from '../../src/acl/parse.ts';
import { keysAndChannels } from '../../src/acl/patterns.ts';
import { rawPipeline, RespError } from '../harness/raw.ts';

// Valkey 9.1's database ACL rules (`db=<ids>`, `alldbs`, `resetdbs`, valkey-io/valkey#2309): each CASES rule list is
// given to a real valkey-server 9.1.2 as `ACL SETUSER dN reset <rules>`; what it did (its error, or the ACL LIST line
// it renders) is RECORDED below. Shared by test/acl/databases.test.ts (the parser against the recording, in the
// default suite) and test/builds/acl-databases.test.ts (the real build, which must still do what is recorded).

export const CASES: readonly (readonly string[])[] = [
  ['db=0'],
  ['db=3,1,1'],
  ['DB=5'],
  ['db=007'],
  ['db=+1'],
  ['db=-0'],
  ['db= 1'],
  ['db=1, 2'],
  ['db=99'],
  ['db=2147483647'],
  ['db=1', 'db=2'],
  ['db=1', 'alldbs', 'db=5'],
  ['db=3', 'resetdbs'],
  ['db=3', 'reset'],
  ['ALLDBS'],
  ['resetdbs', 'alldbs'],
  ['~*', '&*', 'db=0', '+@all'],
  ['~x*', 'db=1,3', '(~y* db=2 +get)', '(~z* resetdbs +set)'],
  ['(db=4 +get)'],
  ['(~x alldbs +get)'],
  ['db='],
  ['db=1,'],
  ['db=,1'],
  ['db=1,,2'],
  ['db=-1'],
  ['db=2147483648'],
  ['db=99999999999999999999'],
  ['db=0x1'],
  ['db=1a'],
  [' db=1'],
  ['db=1 '],
  ['(~x db=a +get)'],
];

/** What the server did with one case: its error reply, or the ACL LIST line of the user (named dN, N its index). */
export type Outcome = { readonly error: string } | { readonly line: string };

export interface Recorded {
  readonly version: string;
  readonly outcomes: Record<string, Outcome>;
}

export const RECORDED_PATH = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/acl-databases/valkey-9.1.2.json');

export function recorded(): Recorded {
  return JSON.parse(readFileSync(RECORDED_PATH, 'utf8')) as Recorded;
}

export const caseKey = (rules: readonly string[]): string => JSON.stringify(rules);

/** Gives every case to the server on host:port (a user that may run ACL SETUSER and ACL LIST, no password). */
export async function run(host: string, port: number): Promise<Record<string, Outcome>> {
  const outcomes: Record<string, Outcome> = {};
  for (const [i, rules] of CASES.entries()) {
    const [set, list] = await rawPipeline(host, port, [['ACL', 'SETUSER', `d${i}`, 'reset', ...rules], ['ACL', 'LIST']]);
    if (set instanceof RespError) outcomes[caseKey(rules)] = { error: set.message };
    else {
      const line = (Array.isArray(list) ? list.map(String) : []).find((l) => l.startsWith(`user d${i} `));
      assert.ok(line, `ACL LIST has no d${i}`);
      outcomes[caseKey(rules)] = { line };
    }
  }
  return outcomes;
}

/** What the user may touch: keys, channels and databases of the root and each selector, as patterns.ts says them. */
function touches(rules: readonly string[], selectors: readonly (readonly string[])[]): string[] {
  return [rules, ...selectors].map((r) => keysAndChannels(r, 'resetchannels'));
}

/** The parser, given the server's version, refuses what the server refused (same words) and reads what it accepted as its ACL LIST line says. */
export function expectAgreement(version: string, rules: readonly string[], outcome: Outcome, index: number): void {
  const label = `${caseKey(rules)} on ${version}`;
  const source = { kind: 'live', command: 'ACL SETUSER' } as const;
  let parsed;
  try {
    parsed = parseAclUser(`d${index}`, ['reset', ...rules], source, { version });
  } catch (error) {
    if (!(error instanceof AclSyntaxError)) throw error;
    assert.ok('error' in outcome, `${label}: the server accepted it (${'line' in outcome ? outcome.line : ''}), redfort refused it: ${error.message}`);
    assert.equal(`ERR ${error.message}`, outcome.error, label);
    return;
  }
  assert.ok('line' in outcome, `${label}: the server refused it (${'error' in outcome ? outcome.error : ''}), redfort read it`);
  const listed = parseAclListLine(outcome.line, source, { version });
  assert.deepEqual(touches(parsed.rules, parsed.selectors), touches(listed.rules, listed.selectors), `${label}: as the server lists it: ${outcome.line}`);
  // The database rules themselves, as the server renders them (sorted, once each; `alldbs` not shown).
  const dbRules = (r: readonly string[]) => r.filter((w) => /^(db=|resetdbs$)/.test(w));
  const shown = (text: string) => text.split(' ').filter((w) => /^\(?(db=|resetdbs$)/.test(w)).map((w) => w.replace(/^\(/, ''));
  assert.deepEqual([...keysAndChannels(parsed.rules, 'resetchannels').split(' ').filter((w) => /^(db=|resetdbs$)/.test(w))], dbRules(listed.rules), label);
  assert.deepEqual(dbRules(listed.rules), shown(outcome.line.split(' (')[0]!), label);
}
