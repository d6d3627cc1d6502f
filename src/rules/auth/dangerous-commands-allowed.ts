import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import type { CommandGrant, DangerousReport } from '../../acl/permissions.ts';
import { canRun } from '../../acl/permissions.ts';
import { dangerousOf } from './written-rules.ts';
import { databaseScope, databasesShown } from '../../acl/databases.ts';
import { byCertificate, certificateOnly, judgeLoggingIn, loginsOf } from './users.ts';
import type { AclUser, Fact } from '../../facts/types.ts';
import { formatSource } from '../../facts/types.ts';
import { unreadUsers } from '../util.ts';
import { sentinelWithoutAclUsers } from '../../redis/directives.ts';
import { clipped } from '../../util/shown.ts';
import { atLeast } from '../util.ts';
import type { ConfigMap } from '../../facts/types.ts';

/** What a command COMMAND INFO does not know by its own name may be, when no file read says which (QA39-4). */
const UNKNOWN_RENAME = 'renamed (still runs) or removed';

/** How many command names a message quotes before it says "and N more". */
const SHOWN = 8;

/**
 * QA41-18: ACL SETUSER grants whatever its caller names, to itself too (`ACL SETUSER app +@all`): a user that may run
 * it holds every @dangerous command, however it was granted. The rule that grants it, as the user's report names it
 * (`+acl`, `+acl|setuser`; on 6.x the command `acl` with a first argument), else how the rendering shows it.
 */
function setuserGrant(report: DangerousReport): string {
  const named = [...report.byName, ...report.viaCategory, ...report.undetermined].find((g) => g.command === 'acl|setuser' || g.command === 'acl');
  return named ? `granted by ${named.rule}` : 'granted by its rules';
}

/**
 * LEFT-3: why a client may set `dir` and `dbfilename` at run time, or undefined when it may not or that is unknown.
 * Before 7.0 there are no protected configs (6.0.20, 6.2.16: a user with `+config|set` alone set `dir` and
 * `dbfilename`, then `save "1 1"`, and the server wrote its RDB file where it was told); from 7.0 only
 * `enable-protected-configs yes` or `local` lets it (7.2.6: "can't set protected config").
 */
function dirSettable(config: ConfigMap | undefined, server: Parameters<typeof atLeast>[0]): string | undefined {
  return openedAfterSeven(config, server, 'enable-protected-configs', 'no protected configs before Redis 7.0');
}

/**
 * LEFT-3: why MODULE LOAD runs for a user the ACL allows it, or undefined: always before 7.0 (6.2.16 tried to load the
 * library), from 7.0 only with `enable-module-command yes` or `local` (7.2.6 refused it with the default `no`).
 */
function moduleLoadable(config: ConfigMap | undefined, server: Parameters<typeof atLeast>[0]): string | undefined {
  return openedAfterSeven(config, server, 'enable-module-command', 'no enable-module-command before Redis 7.0');
}

/** `before7` before 7.0; from 7.0 the 7.0 switch `gate` when it is `yes` or `local`; else (or unknown) undefined. */
function openedAfterSeven(config: ConfigMap | undefined, server: Parameters<typeof atLeast>[0], gate: string, before7: string): string | undefined {
  const seven = atLeast(server, 7);
  if (seven === false) return before7;
  const value = config?.get(gate);
  if (value !== undefined && (value.value === 'yes' || value.value === 'local') && (seven === true || value.source.kind !== 'default')) return `${gate} ${value.value}`;
  return undefined;
}

function sample(commands: readonly string[]): string {
  const shown = commands.slice(0, SHOWN).join(', ');
  return commands.length > SHOWN ? `${shown} and ${commands.length - SHOWN} more` : shown;
}

/** The command of `command` or `command|subcommand`. */
function commandOf(name: string): string {
  const bar = name.indexOf('|');
  return bar === -1 ? name : name.slice(0, bar);
}

/** A list of category grants as a finding shows it: made once per list, which users of the same command rules share. */
interface Shown {
  readonly rules: string;
  readonly sample: string;
  readonly evidence: readonly string[];
}
const TEXTS = new WeakMap<readonly CommandGrant[], Shown>();

function shown(grants: readonly CommandGrant[]): Shown {
  let made = TEXTS.get(grants);
  if (!made) {
    made = {
      rules: [...new Set(grants.map((g) => g.rule))].join(', '),
      sample: sample(grants.map((g) => g.command)),
      evidence: grants.map((g) => `${g.command} via ${g.rule}${g.selector !== undefined ? ` (selector ${g.selector + 1})` : ''}`),
    };
    TEXTS.set(grants, made);
  }
  return made;
}

export default defineRule({
  id: 'auth.dangerous-commands-allowed',
  title: 'No user gets @dangerous commands through a category',
  severity: 'high',
  section: 'Account',
  checklist: 'Account 3',
  sources: ['live', 'config'],
  remediation: 'End every user\'s command rules with `-@dangerous` (and `-@admin` on Redis 8, whose module commands are not all @dangerous), then grant single commands back by name where needed: `ACL SETUSER app -@dangerous +info`.',
  requires: ['acl', 'categories'],
  check({ acl, categories, files, commands, server, config }) {
    if (sentinelWithoutAclUsers(server)) {
      // Its commands are flagged nothing but @read/@fast/@slow: the bundled tables' @dangerous are other versions'.
      const open = acl.users.find((u) => u.name === 'default')?.nopass === true;
      const who = open ? 'any client that reaches it (requirepass is empty)' : 'whoever knows requirepass';
      return fail({
        message: `a Redis 6.0 sentinel has no ACL users (it loads no user lines or aclfile): ${who} runs every command, SENTINEL SET, SENTINEL FAILOVER and SHUTDOWN included`,
        source: acl.source,
        remediation: 'Upgrade Sentinel to 6.2 or later, which loads the `user` lines of sentinel.conf (or an aclfile), and give each client a user without `@dangerous`; until then set `requirepass` and share it only with the sentinels and the operators.',
      });
    }
    if (!categories.categories.has('dangerous')) return skip('the @dangerous category of this server is unknown');
    if (acl.origin === 'requirepass') {
      return fail({
        message: 'the server has no ACL (Redis < 6): whoever knows the password runs every command, CONFIG, DEBUG and FLUSHALL included',
        source: acl.source,
      });
    }
    // `rename-command X ""` deletes a command: no user may run it any more (a command renamed to another name stays).
    const renames = commands?.renames ?? new Map<string, Fact<string>>();
    const removed = new Set([...renames].filter(([, to]) => to.value === '').map(([from]) => from.toLowerCase()));
    const exists = (command: string): boolean => removed.size === 0 || !removed.has(commandOf(command));
    // QA39-4: COMMAND INFO does not know an admin command by its own name, and no file read has its rename-command line:
    // renamed (it still runs, under a name the ACL still grants by the old one) or removed, which nothing here tells.
    // Counted, never taken for safe, and said so.
    const renamedBy = new Map([...renames].filter(([, to]) => to.value !== '').map(([from, to]) => [from.toLowerCase(), to.source]));
    const unknownRename = new Set(commands ? [...commands.present].filter(([name, there]) => !there && !renames.has(name)).map(([name]) => name) : []);
    const hiddenOf = (grants: readonly CommandGrant[]) => [...new Set(grants.map((g) => commandOf(g.command)).filter((c) => unknownRename.has(c)))];
    const renamedOf = (grants: readonly CommandGrant[]) => [...new Set(grants.map((g) => commandOf(g.command)).filter((c) => renamedBy.has(c)))];
    // tls-auth-clients-user: a user without a password is still logged into, by a certificate naming it (QA38-13).
    const logins = loginsOf({ config, files, server });
    // QA43-2: Valkey 9.1's database rules bar commands before the command rules are read (`resetdbs +@all` runs no
    // FLUSHDB, KEYS or GET, and FLUSHALL needs every database): not counted, said as evidence.
    const databases = databaseScope(server, config);
    return judgeLoggingIn(acl, logins, (canLogIn: (user: AclUser) => boolean) => {
      const findings: Finding[] = [];
      const granted: string[] = [];
      // Users whose database rules bar some of their @dangerous commands: what is not counted, and why.
      const barred: string[] = [];
      // Redis 7.0's rendering that tells neither way (see DangerousReport.undetermined): never a pass for such a user.
      const untold: string[] = [];
      // LEFT-3: what the default user may run, when it is on: what CONFIG SET requirepass hands to whoever sets it.
      const defaultUser = acl.users.find((u) => u.name === 'default' && u.enabled);
      const defaultReport = defaultUser ? dangerousOf(defaultUser, acl, files, categories, server, databases) : undefined;
      const defaultDangerous = defaultReport ? [...defaultReport.viaCategory, ...defaultReport.byName].filter((g) => exists(g.command)).length : 0;
      const configTakeover = defaultDangerous > 0 ? `${defaultDangerous} @dangerous command${defaultDangerous === 1 ? '' : 's'}` : undefined;
      // The server's rewrite (7.0 ACL LIST) loses the rules as written: see writtenUser (the ACL file, the profile).
      for (const live of acl.users.filter(canLogIn)) {
        const report = dangerousOf(live, acl, files, categories, server, databases);
        const barredHere = (report.barredByDatabases ?? []).filter((g) => exists(g.command));
        // QA44-3: keyed commands whose key spec the user's key permissions never meet (`%R~*`: RESTORE; `resetkeys`).
        const keyBarred = (report.barredByKeys ?? []).filter((g) => exists(g.command));
        const barredLine = [
          ...(barredHere.length === 0 ? [] : [`not counted, barred by the database rules of user '${clipped(live.name)}' (${databasesShown(live)}${databases?.count === undefined ? '' : `, ${databases.count} databases`}): ${sample(barredHere.map((g) => g.command))}`]),
          ...(keyBarred.length === 0 ? [] : [`not counted, barred on every key by the key permissions of user '${clipped(live.name)}' (${report.keys}): ${sample(keyBarred.map((g) => g.command))}`]),
        ];
        const how = logins.state === 'on' && certificateOnly(live) ? [byCertificate(live, logins)] : [];
        const user = { name: live.name, source: report.source };
        // Without a removed command, the memoized list itself: users of the same command rules share its texts.
        const viaCategory = removed.size === 0 ? report.viaCategory : report.viaCategory.filter((g) => exists(g.command));
        const gone = removed.size === 0 ? [] : [...new Set(report.viaCategory.filter((g) => !exists(g.command)).map((g) => commandOf(g.command)))];
        const byName = report.byName.filter((g) => exists(g.command)).map((grant) => `user '${clipped(user.name)}': ${grant.command} granted by ${grant.rule}${report.note ? ` (${report.note})` : ''}${unknownRename.has(commandOf(grant.command)) ? ` (${UNKNOWN_RENAME})` : ''}`);
        // The hardening profile's administrator keeps ACL by name, deliberately: the one user meant to hold every right.
        // Said apart only when no category grant already counts it.
        const counted = viaCategory.some((g) => g.command === 'acl|setuser' || g.command === 'acl');
        const escalates = !counted && report.role !== 'admin' && exists('acl|setuser') && canRun(live, 'acl|setuser', categories, databases) ? setuserGrant(report) : undefined;
        const escalation = escalates === undefined ? [] : [`user '${clipped(user.name)}' may run ACL SETUSER (${escalates}): \`ACL SETUSER ${clipped(user.name)} +@all\` gives it every command`];
        if (escalates !== undefined && viaCategory.length === 0) {
          findings.push({
            message: `user '${clipped(user.name)}'${how.length > 0 ? ' (no password: a client certificate naming it logs in as it)' : ''} may run ACL SETUSER (${escalates}): it can grant itself +@all, every @dangerous command included`,
            source: user.source,
            evidence: [...how, ...escalation, ...byName.map((line) => `granted by name: ${line}`), ...barredLine],
          });
          continue;
        }
        // LEFT-3: CONFIG SET requirepass sets the default user's password (7.0.15: `CONFIG SET requirepass mine`, then
        // `AUTH mine` logs in as default, whatever its password was). A user that may run it, granted by name, holds
        // what the default user holds, when that user is on and may run @dangerous commands.
        const takeover = configTakeover !== undefined && live.name !== 'default' && report.role !== 'admin' && !viaCategory.some((g) => g.command === 'config|set' || g.command === 'config')
          && exists('config|set') && canRun(live, 'config|set', categories, databases) ? configTakeover : undefined;
        if (takeover !== undefined && viaCategory.length === 0) {
          const grant = [...report.byName, ...report.undetermined].find((g) => g.command === 'config|set' || g.command === 'config');
          findings.push({
            message: `user '${clipped(user.name)}'${how.length > 0 ? ' (no password: a client certificate naming it logs in as it)' : ''} may run CONFIG SET (${grant ? `granted by ${grant.rule}` : 'granted by its rules'}): it can set requirepass and log in as the default user, which may run ${takeover}`,
            source: user.source,
            evidence: [...how, `\`CONFIG SET requirepass <new>\` then \`AUTH <new>\` logs in as 'default' (on)`, ...byName.map((line) => `granted by name: ${line}`), ...barredLine],
          });
          continue;
        }
        // LEFT-3: CONFIG SET dir + dbfilename (no protected configs) writes the RDB file to any path the server may
        // write (its ACL file, an authorized_keys), and MODULE LOAD runs native code: more than any command granted.
        const grantOf = (command: string) => [...report.byName, ...report.undetermined].find((g) => g.command === command || g.command === commandOf(command));
        const routes: { command: string; message: string; evidence: string }[] = [];
        const dirWhy = report.role !== 'admin' && !viaCategory.some((g) => g.command === 'config|set' || g.command === 'config') && exists('config|set') && canRun(live, 'config|set', categories, databases) ? dirSettable(config, server) : undefined;
        if (dirWhy !== undefined) {
          const grant = grantOf('config|set');
          routes.push({
            command: 'CONFIG SET',
            message: `may run CONFIG SET (${grant ? `granted by ${grant.rule}` : 'granted by its rules'}; ${dirWhy}): CONFIG SET dir and dbfilename make the server write its RDB file to any path its user may write (its ACL file, an authorized_keys), more than any command it was given`,
            evidence: `\`CONFIG SET dir <folder>\`, \`CONFIG SET dbfilename <name>\`, \`CONFIG SET save "1 1"\` and a write: the server writes its RDB file there (${dirWhy})`,
          });
        }
        const moduleWhy = report.role !== 'admin' && !viaCategory.some((g) => g.command === 'module|load' || g.command === 'module') && exists('module|load') && canRun(live, 'module|load', categories, databases) ? moduleLoadable(config, server) : undefined;
        if (moduleWhy !== undefined) {
          const grant = grantOf('module|load');
          routes.push({
            command: 'MODULE LOAD',
            message: `may run MODULE LOAD (${grant ? `granted by ${grant.rule}` : 'granted by its rules'}; ${moduleWhy}): it loads any shared library the server can read, native code that runs every command`,
            evidence: `\`MODULE LOAD <path.so>\` loads a library into the server (${moduleWhy})`,
          });
        }
        if (routes.length > 0 && viaCategory.length === 0) {
          findings.push({
            message: `user '${clipped(user.name)}'${how.length > 0 ? ' (no password: a client certificate naming it logs in as it)' : ''} ${routes.map((r) => r.message).join('; and ')}`,
            source: user.source,
            evidence: [...how, ...routes.map((r) => r.evidence), ...byName.map((line) => `granted by name: ${line}`), ...barredLine],
          });
          continue;
        }
        if (viaCategory.length > 0) {
          const texts = shown(viaCategory);
          const hidden = unknownRename.size === 0 ? [] : hiddenOf(viaCategory);
          const renamed = renamedBy.size === 0 ? [] : renamedOf(viaCategory);
          // Commands the 7.0 rendering does not attribute (QA41-11): said with the finding, not only for users without one.
          const untoldHere = report.undetermined.filter((g) => exists(g.command));
          const plain = gone.length === 0 && byName.length === 0 && how.length === 0 && hidden.length === 0 && renamed.length === 0 && escalation.length === 0 && untoldHere.length === 0 && barredLine.length === 0;
          findings.push({
            message: `user '${clipped(user.name)}'${how.length > 0 ? ' (no password: a client certificate naming it logs in as it)' : ''} may run ${viaCategory.length} @dangerous command${viaCategory.length === 1 ? '' : 's'} through ${texts.rules}: ${texts.sample}${hidden.length > 0 ? ` (${hidden.join(', ')}: ${UNKNOWN_RENAME})` : ''}${untoldHere.length > 0 ? `, and ${untoldHere.length} more the 7.0 rendering does not attribute: ${sample(untoldHere.map((g) => g.command))}` : ''}`,
            source: user.source,
            evidence: plain ? texts.evidence : [
              ...how,
              ...texts.evidence,
              ...(gone.length > 0 ? [`not counted, removed by rename-command "": ${gone.join(', ')}`] : []),
              ...barredLine,
              ...(hidden.length > 0 ? [`counted, ${UNKNOWN_RENAME}: ${hidden.join(', ')} (COMMAND INFO does not know ${hidden.length === 1 ? 'it by its' : 'them by their'} own name, and no config file read has ${hidden.length === 1 ? 'its' : 'their'} rename-command line)`] : []),
              ...renamed.map((c) => `counted, renamed by rename-command at ${formatSource(renamedBy.get(c)!)}: ${c} still runs under its new name`),
              ...byName.map((line) => `allowed, granted by name: ${line}`),
              ...escalation,
              ...(untoldHere.length > 0 ? [`not judged, granted through a category or by name, which the 7.0 rendering does not tell: ${untoldHere.map((g) => g.command).join(', ')}`] : []),
            ],
          });
        } else {
          barred.push(...barredLine);
          granted.push(...byName);
          const unknown = report.undetermined.filter((g) => exists(g.command));
          if (unknown.length > 0) untold.push(`user '${clipped(user.name)}': ${sample(unknown.map((g) => g.command))} (${[...new Set(unknown.map((g) => g.rule))].join(', ')})`);
        }
      }
      // The grants by name of users with no finding of their own are still listed (allowed, not failed), on the first.
      if (findings.length > 0) {
        const also = [...granted.map((line) => `allowed, granted by name: ${line}`), ...barred, ...untold.map((line) => `not judged, granted through a category or by name, which the 7.0 rendering does not tell: ${line}`)];
        if (also.length > 0) findings[0] = { ...findings[0]!, evidence: [...(findings[0]!.evidence ?? []), ...also] };
        return fail(findings);
      }
      const unread = unreadUsers(acl);
      if (unread !== undefined) return skip(unread);
      if (untold.length > 0) {
        return skip(
          `Redis 7.0 renders ACL LIST from what each user may run, and for ${untold.length === 1 ? 'this user' : 'these users'} it does not tell whether a @dangerous command was granted through a category (a failure) or by name: ${untold.join('; ')}. Give the ACL file or config file that holds the rules as written (--acl, --config, or audit on the server's host), or run Redis 7.2+, which keeps them`,
        );
      }
      return pass(
        granted.length === 0
          ? 'no enabled user may run a @dangerous command'
          : `no user gets @dangerous commands through a category; ${granted.length} granted one by one`,
        { source: acl.source, evidence: [...granted, ...barred] },
      );
    });
  },
});
