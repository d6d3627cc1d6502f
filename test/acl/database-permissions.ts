import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseScope } from '../../src/acl/databases.ts';
import type { DatabaseScope } from '../../src/acl/databases.ts';
import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { parseAclUser } from '../../src/acl/parse.ts';
import { canRun } from '../../src/acl/permissions.ts';
import type { AclUser, CategoryTable, Fact } from '../../src/facts/types.ts';
import { argv, describeServer, strings } from '../helpers/acl-dryrun.ts';
import type { Server } from '../helpers/acl-dryrun.ts';

// QA43-2: Valkey 9.1's database ACL rules (`db=`, `alldbs`, `resetdbs`) as the server applies them, command by command.
// Each USERS entry is an ACL file line of a real valkey-server 9.1.2 (16 databases); for every command and subcommand
// the server has, ACL DRYRUN is asked from each database the user names (and from db 0): a command counts as allowed
// when some current database lets it run, as the permission model says it (canRun with a DatabaseScope). What the
// server did is RECORDED; test/acl/database-permissions.test.ts replays it against the model in the default suite,
// test/builds/acl-database-permissions.test.ts checks the build still does it.

/** name -> ACL rules after `user NAME on nopass`. */
export const USERS: Readonly<Record<string, string>> = {
  dbuser: '~* &* resetdbs db=1 +@all',
  dbnone: '~* &* resetdbs +@all',
  db0: '~* &* db=0 +@all',
  dball: '~* &* db=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 +@all',
  dbmost: '~* &* db=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14 +@all',
  dbhigh: '~* &* db=99 +@all',
  dbtwice: '~* &* db=1 db=2 +@all',
  flusher: '~* &* resetdbs db=1 -@all +flushall +flushdb +keys +config|set',
  selectors: '~* &* resetdbs -@all (alldbs +flushall) (db=1 +flushdb) (db=2 ~x* +get)',
  reset: '~* &* resetdbs reset on nopass ~* +@all',
};

export interface DryrunRecording {
  readonly version: string;
  readonly databases: number;
  readonly recordedFrom: string;
  /** Every command and subcommand asked (never a container, nor AUTH/HELLO). */
  readonly units: readonly string[];
  /** user -> the units ACL DRYRUN refused from every database asked, each with the reason's kind. */
  readonly refused: Readonly<Record<string, Readonly<Record<string, 'command' | 'database'>>>>;
}

export const RECORDED_PATH = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/acl-databases/valkey-9.1.2-dryrun.json');

export function recording(): DryrunRecording {
  return JSON.parse(readFileSync(RECORDED_PATH, 'utf8')) as DryrunRecording;
}

/** The ACL file the server loads: USERS, and a default user that may do everything (the test asks as it). */
export function aclFile(): string {
  return ['user default on nopass ~* &* +@all', ...Object.entries(USERS).map(([name, rules]) => `user ${name} on nopass ${rules}`), ''].join('\n');
}

/** The databases DRYRUN is asked from for a user: 0 and every id below 16 its rules name. */
function databasesOf(rules: string): number[] {
  const ids = new Set([0]);
  for (const m of rules.matchAll(/db=([\d,]+)/g)) for (const id of m[1]!.split(',').map(Number)) if (id < 16) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

/** DRYRUN arguments naming databases where the command takes them (SELECT, SWAPDB, MOVE, COPY): the current one. */
function dryrunArgs(server: Server, unit: string, db: number): string[] {
  if (unit === 'select') return ['select', String(db)];
  if (unit === 'swapdb') return ['swapdb', String(db), String(db)];
  if (unit === 'move') return ['move', 'k', String(db)];
  if (unit === 'copy') return ['copy', 'a', 'b', 'db', String(db)];
  return argv(server, unit);
}

/** Asks the server on host:port (as its default user) every unit for every USERS entry. */
export async function dryrun(ask: Server['ask']): Promise<DryrunRecording> {
  const server = await describeServer(ask);
  const [databases] = await ask([['CONFIG', 'GET', 'databases']]);
  const refused: Record<string, Record<string, 'command' | 'database'>> = {};
  for (const [name, rules] of Object.entries(USERS)) {
    const byUnit = new Map<string, 'command' | 'database' | 'ok'>();
    for (const db of databasesOf(rules)) {
      const replies = await ask([['SELECT', String(db)], ...server.units.map((unit) => ['ACL', 'DRYRUN', name, ...dryrunArgs(server, unit, db)])]);
      for (const [i, unit] of server.units.entries()) {
        const reply = String(replies[i + 1]);
        const kind = reply === 'OK' || /no permissions to access the .* (key|channel)/.test(reply) ? 'ok'
          : /no permissions to access database/.test(reply) ? 'database'
          : /no permissions to run the/.test(reply) ? 'command' : undefined;
        if (kind === undefined) throw new Error(`${name} ${unit} from db ${db}: ${reply}`);
        // Allowed from any database wins; a refusal for the command outranks one for the database (the server's order).
        const before = byUnit.get(unit);
        if (before === 'ok' || kind === 'ok') byUnit.set(unit, 'ok');
        else if (before === undefined || kind === 'command') byUnit.set(unit, kind);
      }
    }
    refused[name] = Object.fromEntries([...byUnit].filter(([, k]) => k !== 'ok') as [string, 'command' | 'database'][]);
  }
  const [info] = await ask([['INFO', 'server']]);
  return {
    version: `valkey-${/valkey_version:(\S+)/.exec(String(info))?.[1] ?? 'unknown'}`,
    databases: Number(strings(databases)[1]),
    recordedFrom: 'valkey-server 9.1.2 (Debian valkey 9.1.2-1 orig tarball, make BUILD_TLS=yes MALLOC=libc), aclfile of USERS, ACL DRYRUN from each database; test/acl/database-permissions.ts',
    units: server.units,
    refused,
  };
}

/** The users as redfort reads the ACL file's lines for this version. */
export function parsedUsers(version: string): Map<string, AclUser> {
  return new Map(Object.entries(USERS).map(([name, rules]) => [name, parseAclUser(name, ['on', 'nopass', ...rules.split(' ')], { kind: 'default', note: 'test' }, { version })]));
}

/** The scope of a standalone Valkey of `version` with `databases` read from its config. */
export function scopeOf(version: string, databases: number | undefined): DatabaseScope | undefined {
  const config = new Map<string, Fact<string>>(databases === undefined ? [] : [['databases', { value: String(databases), source: { kind: 'default', note: 'test' } }]]);
  return databaseScope({ product: 'valkey', version: version.replace(/^valkey-/, ''), mode: 'standalone', configFile: undefined, source: { kind: 'default', note: 'test' } }, config);
}

/** Where the model (canRun with the recording's scope) and the recording disagree, per user: `unit: server allows|refuses`. */
export function disagreements(rec: DryrunRecording, table: CategoryTable = bundledCategoryTable({ version: rec.version, product: 'valkey' })): string[] {
  const scope = scopeOf(rec.version, rec.databases);
  assert.ok(scope, 'a Valkey 9.1.2 scope');
  const users = parsedUsers(rec.version);
  const wrong: string[] = [];
  for (const [name, user] of users) {
    const refused = rec.refused[name];
    assert.ok(refused, `recording has ${name}`);
    for (const unit of rec.units) {
      // With dummy arguments a first-arg grant only applies to the argument 'x' (none here).
      const allowed = refused[unit] === undefined;
      if (canRun(user, unit, table, scope) !== allowed) wrong.push(`${name} ${unit}: server ${allowed ? 'allows' : `refuses (${refused[unit]})`}`);
    }
  }
  return wrong;
}
