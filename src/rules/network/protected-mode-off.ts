import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, bindEntries, defaultRunsNothing, defaultUser, exposure, openToAnyone, releaseName, sentinelFix, tcpClosed, unreadUsers } from '../util.ts';
import type { Fact } from '../../facts/source.ts';
import type { AclUser, Facts } from '../../facts/types.ts';
import type { FactsWith, Finding, RuleContext, Verdict } from '../define.ts';
import { passwordJudge } from '../auth/weak-password.ts';
import { certificateOnly } from '../tls/common.ts';
import { portLabel, reachedPorts } from '../tls/wire.ts';
import { clipped } from '../../util/shown.ts';

/**
 * A sentinel with a password-less default user and protected mode on refuses the other sentinels too: its fix is a
 * password that every sentinel uses (redis@7.2.6 sentinel.c sentinelSendAuthIfNeeded: sentinel-user/sentinel-pass, else
 * its own requirepass, for the other sentinels).
 */
const SENTINEL =
  'Give the sentinel a password in sentinel.conf: `requirepass` (the same on every sentinel: without `sentinel sentinel-pass` they authenticate to each other with it), or on 6.2+ `user default off` and named `user` lines with `sentinel sentinel-user`/`sentinel sentinel-pass` naming the same user on every sentinel; then restart it (a sentinel has no CONFIG SET). `protected-mode yes` with a password-less default user would refuse the other sentinels too.';

/** `bind names 'vm', a host name not resolved here (why)`: the entries {@link bindEntries} could not judge. */
function unresolved(bind: string, host: Parameters<typeof bindEntries>[1]): string {
  const names = bindEntries(bind, host).filter((e) => e.reach === 'unknown');
  return `bind names ${names.map((e) => `'${clipped(e.address)}'`).join(', ')}, a host name the server resolves where it starts: ${names[0]?.unknown ?? 'unknown here'}`;
}

/** Whether a bind address is configured: a compiled default (of the version assumed when it is unknown) is not one. */
function bindWritten(bind: Fact<string> | undefined): boolean {
  return bind !== undefined && bind.source.kind !== 'default' && bind.value.trim() !== '';
}

/**
 * Who gets in where protected mode is off and the default user needs no password, when that is narrower than anyone
 * who reaches the port: a TLS-only server requiring client certificates from a CA of its own (auth.no-authentication's
 * certificate case, QA41-8): high, not critical. Not when the wire showed a client port serving a client without one.
 */
function certifiedOnly(facts: Facts): { who: string; grade: Pick<Finding, 'severity' | 'evidence'> } | undefined {
  const how = certificateOnly(facts.config);
  if (!how) return undefined;
  const ports = reachedPorts(facts).filter((p) => p.role !== 'cluster-bus');
  if (ports.some((p) => p.clientAuth.mode === 'none' || p.clientAuth.mode === 'optional')) return undefined;
  const refused = ports.filter((p) => p.clientAuth.mode === 'required').map((p) => `on the wire, ${portLabel(p)} refused a client without a certificate (${p.clientAuth.detail})`);
  return { who: `any client holding a certificate from the configured CA (${how}) runs commands, from wherever it reaches the port`, grade: { severity: 'high', ...(refused.length > 0 ? { evidence: refused } : {}) } };
}

/**
 * Why a protected-mode known only as the compiled default is no fact about the server (QA43-5): the file has no line
 * and no running value was read, and builds differ: the official Docker image compiles it 'no' (docker-library/redis
 * Dockerfile: `sed … createBoolConfig("protected-mode", … 1 …) -> 0`) and its entrypoint adds `--protected-mode no`
 * when the config file has no protected-mode line.
 */
function defaultOnly(mode: Fact<string>): string {
  return `protected-mode is in no file read and was not read from a running server: '${clipped(mode.value)}' is only the upstream compiled default, which builds change (the official Docker image compiles it 'no', and its entrypoint adds \`--protected-mode no\` to a config file without a protected-mode line)`;
}

const WEAK_DEFAULT =
  'Give the default user a long random password (`ACL GENPASS`; `ACL SETUSER default resetpass >…`, or `requirepass`), or turn it off (`ACL SETUSER default off`, `user default off` in the ACL file) and give each client a named user: protected mode does not act while the default user has a password.';

/**
 * The verdict on a default user that needs a password, when protected mode is no answer: it acts only while the default
 * user has none (redis@7.0.15 networking.c: `DefaultUser->flags & USER_FLAG_NOPASS`; 3.2-5.x `requirepass == NULL`),
 * so a password auth.weak-password judges weak (`redis`, the Docker examples') lets in whoever tries it, protected-mode
 * yes or no (QA41-12). A password of unknown strength (only its hash seen) is unknown: skip. Undefined when the rule's
 * pass stands: every password judged strong, none, or no TCP port.
 */
function weakDefault(user: AclUser, facts: FactsWith<'config'>, context: RuleContext): Verdict | undefined {
  const { config, server, host } = facts;
  if (!user.enabled || user.nopass || user.passwords.length === 0) return undefined;
  const reach = exposure(config, server, host);
  if (reach === 'none') return undefined;
  const judge = passwordJudge(facts, context, user.passwords);
  const judged = user.passwords.map(judge);
  const mode = config.get('protected-mode');
  const said = `protected-mode is '${clipped(mode?.value ?? 'unknown')}'`;
  const weak = judged.findIndex((j) => j.problem !== undefined);
  if (weak < 0) {
    if (judged.every((j) => j.length !== undefined)) return undefined;
    return skip(`${said} and the default user needs a password, whose strength is unknown: redfort saw only its SHA-256 hash (see auth.weak-password); protected mode acts only while the default user has no password, so the password is what keeps clients out`);
  }
  const { problem, onlyShort, length } = judged[weak]!;
  const which = user.passwords.length > 1 ? ` (password ${weak + 1} of ${user.passwords.length})` : '';
  const has = `the default user has ${problem}${which} (see auth.weak-password)`;
  const head = mode?.value === 'yes' ? `${said}, but it acts only while the default user has no password, and ${has}` : `${said} and ${has}`;
  const not = mode?.value === 'yes' ? '' : '; protected mode would not refuse them either: it acts only while the default user has no password';
  const base = { source: user.source, remediation: WEAK_DEFAULT };
  if (reach === 'loopback') {
    return fail({ ...base, message: `${head}: bind admits only loopback clients ('${clipped(config.get('bind')!.value.trim())}'), so only this host can try it`, severity: 'low' });
  }
  if (reach === 'unknown') {
    return fail({ ...base, message: `${head}; ${unresolved(config.get('bind')!.value, host)}: at least this host can try it, and if it resolves beyond loopback whoever reaches the port can`, severity: 'low' });
  }
  // A password on the lists (or under 8 characters) falls to the first tries of a scanner; a longer short one takes work.
  return fail({ ...base, message: `${head}: whoever reaches the port and tries it runs commands${not}`, ...(onlyShort && (length ?? 0) >= 8 ? { severity: 'high' as const } : {}) });
}

export default defineRule({
  id: 'network.protected-mode-off',
  title: 'Protected mode is on unless strong authentication is in place',
  severity: 'critical',
  section: 'Foundation',
  checklist: 'Foundation 2',
  sources: ['live', 'config'],
  remediation: 'Give the default user a password or disable it (`ACL SETUSER default off` / `user default off` in the ACL file), and set `protected-mode yes` (`CONFIG SET protected-mode yes`, then CONFIG REWRITE).',
  requires: ['config'],
  check(facts, context) {
    const { config, acl, server, categories, unavailable, host } = facts;
    const mode = config.get('protected-mode');
    if (!acl) {
      // The setting is known even when the users are not (an unreadable ACL file): on 7.0+, and on 3.2-6.x without
      // bind, protected mode guards a password-less default user whoever the users are (issue 11).
      // An unknown version is not 7.0+: 3.2-6.x ignore protected mode when bind is set (QA41-107); a bind no file or
      // server gave is the compiled default of the version assumed, which 6.x does not have (no bind: protected mode acts).
      const bindSet = bindWritten(config.get('bind'));
      const effective = mode?.value === 'yes' && (atLeast(server, 7, 0) === true || !bindSet);
      const why = unavailable.acl ?? 'the ACL users could not be read';
      if (effective && mode!.source.kind === 'default') return skip(`${defaultOnly(mode!)}; and ${why}`);
      if (effective) return pass(`protected-mode is 'yes', so a password-less default user would be reachable only from loopback (${why})`, { source: mode!.source });
      return skip(why);
    }
    const user = defaultUser(acl);
    if (!user && unreadUsers(acl) !== undefined) return skip(unreadUsers(acl)!);
    if (!openToAnyone(acl)) {
      // A default user that may run no command gains a guesser nothing.
      const guessable = user && !defaultRunsNothing(acl, categories) ? weakDefault(user, facts, context) : undefined;
      if (guessable) return guessable;
      const state = !user ? 'there is no default user' : !user.enabled ? 'the default user is off' : 'the default user needs a password';
      return pass(`protected-mode is '${clipped(mode?.value ?? 'unknown')}' and ${state}, so clients must authenticate`, { source: mode?.source ?? acl.source });
    }
    if (defaultRunsNothing(acl, categories)) {
      return pass(`protected-mode is '${clipped(mode?.value ?? 'unknown')}' and the password-less default user may run no command, so clients must authenticate`, { source: mode?.source ?? acl.source });
    }
    const bind = config.get('bind');
    // Before 3.2 there is no protected mode; on 3.2-6.x it only acts when no bind address is configured. Either way
    // the default user then logs in from wherever bind lets clients in: only loopback is as safe as protected mode.
    const absent = !mode && atLeast(server, 3, 2) === false;
    const ignored = mode?.value === 'yes' && atLeast(server, 7, 0) === false && (bind?.value.trim() ?? '') !== '';
    // The version unknown (files audited without --redis-version, a server hiding INFO): 7.0+ applies protected mode
    // whatever bind says, 3.2-6.x only without a bind line (redis@6.2.16 networking.c: `server.bindaddr_count == 0`).
    // Judged only when both would agree (bind admits only loopback clients); otherwise unknown, never the 7.x pass (QA41-107).
    if (mode?.value === 'yes' && atLeast(server, 7, 0) === undefined && bindWritten(bind)) {
      const reach = exposure(config, server, host);
      if (reach !== 'loopback' && reach !== 'none') {
        const unknown = server?.source.kind === 'file' ? 'the files do not say which version runs them' : 'the server did not report its version';
        const where = reach === 'unknown' ? `; ${unresolved(bind!.value, host)}` : '';
        return skip(`protected-mode is 'yes' and bind is set ('${clipped(bind!.value.trim())}') while the default user logs in without a password: Redis 7.0+ applies protected mode whatever bind says, 3.2-6.x ignore it when bind is set, and ${unknown}${where}: pass --redis-version`);
      }
    }
    if (absent || ignored) {
      const why = absent
        ? `${releaseName(server)} has no protected mode`
        : `protected-mode is 'yes' but ${releaseName(server)} ignores it because bind is set ('${clipped(bind!.value.trim())}')`;
      const reach = exposure(config, server, host);
      if (reach === 'unknown') return skip(`${why}, and the default user logs in without a password; ${unresolved(config.get('bind')?.value ?? '', host)}, so whether clients beyond this host reach it is unknown`);
      if (reach === 'loopback' || reach === 'none') {
        return pass(`${why}, but ${reach === 'none' ? 'no TCP port is open' : 'bind admits only loopback clients'}: the password-less default user is reachable only from this host, as with protected mode`, {
          source: bind?.source ?? mode?.source,
        });
      }
      const certified = certifiedOnly(facts);
      return fail({
        message: `${why}, and the default user logs in without a password${certified ? `: ${certified.who}` : ''}`,
        source: (ignored ? bind?.source : undefined) ?? acl.source,
        ...certified?.grade,
        ...sentinelFix(server, SENTINEL),
      });
    }
    if (!mode || mode.value === 'no') {
      // Protected mode only refuses TCP clients: with no TCP listener there is nothing for it to refuse.
      const reach = exposure(config, server, host);
      if (reach === 'none') {
        return pass(`protected-mode is '${clipped(mode?.value ?? 'no')}', but no TCP port is open (${tcpClosed(config)}): only unix-socket clients connect, which protected mode admits anyway`, { source: config.get('port')?.source ?? mode?.source });
      }
      // Protected mode refuses only non-loopback clients, and a loopback-only bind admits no other today: what is left is
      // a second line of defence should bind widen (7.0+ applies protected mode whatever bind says). Not critical.
      if (reach === 'unknown') {
        // Known: this host gets in. Whether more do depends on what the name resolves to where the server runs.
        return fail({
          message: `protected-mode is '${clipped(mode?.value ?? 'no')}' while the default user logs in without a password; ${unresolved(bind!.value, host)}: at least this host gets in, and if it resolves beyond loopback anyone who reaches the port runs commands`,
          source: mode?.source ?? acl.source,
          severity: 'low',
          ...sentinelFix(server, SENTINEL),
        });
      }
      if (reach === 'loopback') {
        // 3.2-6.x: protected mode acts only without a bind line, so 'yes' would refuse remote clients only once bind is removed.
        const widened = atLeast(server, 7, 0) === false ? `if the bind line were removed (${releaseName(server)} applies protected mode only without one)` : 'if bind widened';
        return fail({
          message: `protected-mode is '${clipped(mode?.value ?? 'no')}' while the default user logs in without a password; bind admits only loopback clients ('${clipped(bind!.value.trim())}'), so only this host gets in today, but nothing would refuse remote clients ${widened}`,
          source: mode?.source ?? acl.source,
          severity: 'low',
          ...sentinelFix(server, SENTINEL),
        });
      }
      const certified = certifiedOnly(facts);
      return fail({
        message: `protected-mode is '${clipped(mode?.value ?? 'no')}' while the default user logs in without a password: ${certified?.who ?? 'anyone who reaches the port runs commands'}`,
        source: mode?.source ?? acl.source,
        ...certified?.grade,
        ...sentinelFix(server, SENTINEL),
      });
    }
    if (mode.source.kind === 'default') {
      // No file line, no running value: 'yes' is the upstream compiled default, which a build may change (the official
      // Docker image compiles it 'no' and its entrypoint adds `--protected-mode no` to a config file without the line).
      const reach = exposure(config, server, host);
      if (!(reach === 'none' || (reach === 'loopback' && bindWritten(bind)))) return skip(`${defaultOnly(mode)}, while the default user logs in without a password: whether clients beyond loopback are refused depends on the build and how the server is started; write \`protected-mode yes\` in the file (and give the default user a password) to have it judged`);
      return pass(`protected-mode is not in the file (compiled default '${clipped(mode.value)}'), but ${reach === 'none' ? 'no TCP port is open' : `bind admits only loopback clients ('${clipped(bind!.value.trim())}')`}: the password-less default user is reachable only from this host either way`, { source: bind?.source ?? mode.source });
    }
    return pass("protected-mode is 'yes': with a password-less default user only loopback and unix-socket clients are accepted", { source: mode.source });
  },
});
