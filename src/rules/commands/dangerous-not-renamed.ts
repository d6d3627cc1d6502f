import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, unreadUsers } from '../util.ts';
import { canRun } from '../../acl/permissions.ts';
import type { CommandGrant } from '../../acl/permissions.ts';
import { judgeLoggingIn, loginsOf } from '../auth/users.ts';
import type { AclUser } from '../../facts/types.ts';
import { dangerousOf } from '../auth/written-rules.ts';
import { databaseScope, databasesShown } from '../../acl/databases.ts';
import type { Role } from '../../profile/index.ts';

/**
 * Admin commands an attacker uses first, with the part of each that does the damage: `config|set` rather
 * than `config`, because a least-privilege auditor may keep `config|get`.
 */
export const ADMIN_TARGETS: readonly { readonly command: string; readonly acl: string }[] = [
  { command: 'config', acl: 'config|set' },
  { command: 'debug', acl: 'debug' },
  { command: 'module', acl: 'module|load' },
  { command: 'flushall', acl: 'flushall' },
  { command: 'flushdb', acl: 'flushdb' },
  { command: 'shutdown', acl: 'shutdown' },
  { command: 'monitor', acl: 'monitor' },
  { command: 'replicaof', acl: 'replicaof' },
  { command: 'slaveof', acl: 'slaveof' },
];

/** How the rule names a profile role whose grants by name it accepts. */
function roleWords(role: Role | undefined): string {
  if (role === 'sentinel') return 'sentinel user (SLAVEOF: Sentinel sends it at failover)';
  return role === 'admin' || role === undefined ? 'administrator' : `${role} user`;
}

/** The switches of 7.0+ that close a command to every client when 'no'. */
const SWITCHES: Readonly<Record<string, string>> = { debug: 'enable-debug-command', module: 'enable-module-command' };

export default defineRule({
  id: 'commands.dangerous-not-renamed',
  title: 'Admin commands are denied to every user or renamed away',
  severity: 'low',
  section: 'Account',
  checklist: 'Account 6',
  sources: ['live', 'config'],
  remediation: 'Deny them by ACL (`-@admin -@dangerous`, or `-config -debug -module -flushall -flushdb -shutdown -monitor -replicaof` per user), except for one administrator that holds exactly the hardening profile\'s admin rules (`+@all -@dangerous` then CONFIG, SHUTDOWN, REPLICAOF… by name, what `redfort fix` and `harden` create) and the sentinel user Sentinel logs in as (`-@all` then SLAVEOF, CONFIG REWRITE… by name); where ACL is not an option, `rename-command CONFIG ""` in redis.conf (a restart; keep renames identical on every node).',
  requires: ['commands', 'acl', 'categories'],
  check({ commands, acl, categories, files, server, config, unavailable }) {
    // QA43-2: Valkey 9.1's database rules bar FLUSHALL without every database and FLUSHDB without any: those users
    // do not reach it (said as evidence).
    const databases = databaseScope(server, config);
    // tls-auth-clients-user: a user without a password is still logged into, by a certificate naming it (QA38-13).
    return judgeLoggingIn(acl, loginsOf({ config, files, server }), (canLogIn: (user: AclUser) => boolean) => {
      const reachable: string[] = [];
      /** The profile roles whose grants by name are deliberate here. */
      const roles = new Set<Role | undefined>();
      const hidden: string[] = [];
      // 7.0+: `enable-debug-command no` / `enable-module-command no` refuse DEBUG and MODULE LOAD to every client,
      // whatever its ACL ('ERR DEBUG command not allowed'); `local` still lets local clients in.
      const closed: string[] = [];
      const deliberate: string[] = [];
      /** Admin commands the command rules grant but the database rules bar, with whom. */
      const barred: string[] = [];
      const gateUnknown: { label: string; gate: string; users: string[] }[] = [];
      /** Admin commands that only the users' ACL keeps from clients (neither renamed nor closed by a switch). */
      let byAcl = 0;
      // The hardening profile's admin keeps CONFIG, SHUTDOWN and REPLICAOF by name (src/profile/users.ts): the
      // administrator the rule's fix text allows for, evidence rather than a failure; so does its sentinel user SLAVEOF,
      // which Sentinel sends at failover (QA37-3: harden's own group failed the rule). Any other grant fails.
      const reports = new Map(acl.users.filter(canLogIn).map((u) => [u.name, dangerousOf(u, acl, files, categories, server, databases)]));
      // A grant by name covers `config|set` when it names it or a subcommand of it (7.0+), or, on 6.x, whose ACL has
      // no subcommands of its own, when it is the whole command: there `+config` sets the command's bit and drops its
      // first-args (redis@6.2 acl.c ACLSetUser), and ACLCheckCommandPerm lets a set bit run every subcommand, so it
      // allows CONFIG SET as 7.0's `+config` does.
      const covers = (g: CommandGrant, command: string) =>
        g.command === command || g.command.startsWith(`${command}|`) || g.rule === `+${command}` || (command.startsWith(`${g.command}|`) && g.rule === `+${g.command}`);
      const byName = (user: string, command: string) => {
        const report = reports.get(user);
        return report?.note !== undefined && report.byName.some((g) => covers(g, command));
      };
      // QA41-18: a user that may run ACL SETUSER grants itself any of them (`ACL SETUSER app +flushall`): it reaches each
      // one the ACL leaves open, unless it is the hardening profile's administrator, which keeps ACL by name on purpose.
      const escalates = new Set(
        commands.present.get('acl') === false
          ? []
          : acl.users.filter((u) => canLogIn(u) && reports.get(u.name)?.role !== 'admin' && canRun(u, 'acl|setuser', categories, databases)).map((u) => u.name),
      );
      for (const { command, acl: aclName } of ADMIN_TARGETS) {
        if (commands.present.get(command) === false) {
          hidden.push(command);
          continue;
        }
        const direct = acl.users.filter((u) => canLogIn(u) && canRun(u, aclName, categories, databases)).map((u) => u.name);
        const kept = databases === undefined ? [] : acl.users.filter((u) => canLogIn(u) && !direct.includes(u.name) && !escalates.has(u.name) && canRun(u, aclName, categories));
        if (kept.length > 0) barred.push(`${aclName.toUpperCase().replace('|', ' ')}: granted by the command rules of ${kept.map((u) => u.name).join(', ')}, but barred by their database rules (${kept.map((u) => `${u.name}: ${databasesShown(u)}`).join('; ')}${databases?.count === undefined ? '' : `, ${databases.count} databases`})`);
        const through = [...escalates].filter((u) => !direct.includes(u));
        const all = [...direct, ...through];
        const shownAs = (u: string) => (through.includes(u) ? `${u} through ACL SETUSER` : u);
        const gate = SWITCHES[command];
        const setting = gate ? config?.get(gate) : undefined;
        // A compiled default counts only for a known version: files audited without one are read as 7.x, and 6.x
        // has no such switch (Debian 11 and Ubuntu 22.04 ship 6.0).
        if (gate && setting?.value === 'no' && (setting.source.kind !== 'default' || server?.version !== undefined)) {
          // Said only where it matters: a user the ACL lets run it.
          if (all.length > 0) closed.push(`${aclName.toUpperCase().replace('|', ' ')}: allowed by ACL to ${all.map(shownAs).join(', ')}, but ${gate} is 'no', which refuses it to every client`);
          continue;
        }
        byAcl++;
        const label = aclName.toUpperCase().replace('|', ' ');
        // 7.0+ with the settings unknown (CONFIG renamed or denied): the switch may refuse it to every client.
        if (gate && !setting && atLeast(server, 7) === true) {
          if (all.length > 0) gateUnknown.push({ label, gate, users: all.map(shownAs) });
          continue;
        }
        const users = all.filter((u) => !byName(u, aclName));
        if (users.length > 0) reachable.push(`${label} (${users.map(shownAs).join(', ')})`);
        const named = all.filter((u) => byName(u, aclName));
        for (const role of new Set(named.map((u) => reports.get(u)?.role))) {
          const them = named.filter((u) => reports.get(u)?.role === role);
          roles.add(role);
          deliberate.push(`${label} granted by name to ${them.join(', ')}, the hardening profile's ${roleWords(role)}`);
        }
      }
      // A Sentinel has a command table of its own, without CONFIG, FLUSHALL, MONITOR, REPLICAOF… (QA43-1): those are
      // no commands of it, not renamed ones.
      const notSentinel = (c: string) => server?.mode === 'sentinel' && !commands.renames.has(c);
      const hiddenWords = hidden.map((c) => `${c}: ${notSentinel(c) ? 'no command of a Sentinel' : 'renamed or removed'}`);
      const renamed = hidden.filter((c) => !notSentinel(c));
      const absent = hidden.filter(notSentinel);
      const hiddenSummary = [
        ...(renamed.length ? [`${renamed.join(', ')} renamed or removed`] : []),
        ...(absent.length ? [`${absent.join(', ')} no commands of a Sentinel`] : []),
      ].join('; ');
      const unknown = gateUnknown.map((g) => `${g.label}: allowed by ACL to ${g.users.join(', ')}, and whether ${g.gate} refuses it to every client is unknown`);
      if (reachable.length > 0) {
        return fail({
          message: `${reachable.length} admin command${reachable.length === 1 ? ' is' : 's are'} neither renamed nor denied to every user: ${reachable.join('; ')}`,
          source: acl.source,
          evidence: [...reachable, ...deliberate, ...hiddenWords, ...closed, ...unknown, ...barred],
        });
      }
      if (gateUnknown.length > 0) {
        const them = gateUnknown.length === 1 ? 'it' : 'them';
        return skip(
          `${gateUnknown.map((g) => `${g.label} (${g.users.join(', ')})`).join(', ')} ${gateUnknown.length === 1 ? 'is' : 'are'} allowed by ACL, and whether ` +
            `${gateUnknown.map((g) => g.gate).join(', ')} (7.0+) refuse${gateUnknown.length === 1 ? 's' : ''} ${them} to every client is unknown: ${unavailable.config ?? 'the configuration could not be read'}`,
        );
      }
      // A user left out (an ACL LIST line redfort could not read) may be the one that runs CONFIG SET: never a pass
      // while any admin command is left to the ACL.
      const unread = byAcl > 0 ? unreadUsers(acl) : undefined;
      if (unread) return skip(unread);
      return pass(
        `every admin command is denied to all users${deliberate.length ? ` but the hardening profile's ${[...roles].map(roleWords).join(' and ')}` : ''}${hidden.length ? ` or hidden (${hiddenSummary})` : ''}${closed.length ? ` or closed by its enable-*-command switch (${closed.map((c) => c.split(':')[0]).join(', ')})` : ''}`,
        { source: commands.source, evidence: [...deliberate, ...closed, ...barred] },
      );
    });
  },
});
