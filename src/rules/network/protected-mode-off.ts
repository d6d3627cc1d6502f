import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, bindEntries, defaultRunsNothing, defaultUser, exposure, openToAnyone, releaseName, sentinelFix, tcpClosed, unreadUsers } from '../util.ts';
import type { Fact } from '../../facts/source.ts';
import type { Facts } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
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

export default defineRule({
  id: 'network.protected-mode-off',
  title: 'Protected mode is on unless strong authentication is in place',
  severity: 'critical',
  section: 'Foundation',
  checklist: 'Foundation 2',
  sources: ['live', 'config'],
  remediation: 'Give the default user a password or disable it (`ACL SETUSER default off` / `user default off` in the ACL file), and set `protected-mode yes` (`CONFIG SET protected-mode yes`, then CONFIG REWRITE).',
  requires: ['config'],
  check(facts) {
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
      if (effective) return pass(`protected-mode is 'yes', so a password-less default user would be reachable only from loopback (${why})`, { source: mode!.source });
      return skip(why);
    }
    const user = defaultUser(acl);
    if (!user && unreadUsers(acl) !== undefined) return skip(unreadUsers(acl)!);
    if (!openToAnyone(acl)) {
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
    return pass("protected-mode is 'yes': with a password-less default user only loopback and unix-socket clients are accepted", { source: mode.source });
  },
});
