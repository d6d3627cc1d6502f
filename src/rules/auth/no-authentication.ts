import type { AclState, CategoryTable, ConfigMap, Facts, UnauthenticatedProbe } from '../../facts/types.ts';
import type { Finding, Severity, Verdict } from '../define.ts';
import { formatSource } from '../../facts/types.ts';
import { socketSeverity, unixSocketAccess, whoMayOpen } from '../network/unix-socket.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts } from '../combine.ts';
import { portLabel } from '../tls/wire.ts';
import { certificateOnly } from '../tls/common.ts';
import { defaultRunsNothing, defaultUser, exposure, tcpClosed, unreadUsers } from '../util.ts';
import { clipped } from '../../util/shown.ts';
import { runsOnly } from '../../acl/permissions.ts';

/** Commands that read, write and administer nothing (as auth.weak-password's health-check users). */
const PROBE_COMMANDS: ReadonlySet<string> = new Set(['ping', 'echo']);

/** The settings that decide {@link narrowWays}. */
const NARROWING = ['port', 'tls-port', 'bind', 'tls-auth-clients', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'unixsocket', 'unixsocketperm'];

const RANK: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const worse = (a: Severity, b: Severity): Severity => (RANK.indexOf(a) <= RANK.indexOf(b) ? a : b);

/**
 * The ways in of a server that a client cannot reach over a plaintext TCP port (QA39-6): the TLS port with client
 * certificates required, the unix socket (whoever may open the socket file: its mode, its directory). Undefined where a
 * plaintext TCP port is open, or nothing is known of the settings: then any client that reaches the server gets in.
 */
function narrowWays(facts: Facts, how: string): { message: string; severity: Severity; evidence: string[] } | undefined {
  const config = facts.config;
  if (!config) return undefined;
  // The file's values, standing in for a running configuration the server contradicts (QA41-13), narrow nothing.
  if (facts.runningDiffers !== undefined && NARROWING.some((name) => config.get(name) !== undefined && config.get(name)!.source.kind !== 'live')) return undefined;
  const closed = exposure(config, facts.server, facts.host) === 'none';
  const certified = closed ? undefined : certificateOnly(config);
  if (!closed && !certified) return undefined;
  const socket = unixSocketAccess(facts);
  if (certified && !socket) return { message: `${how}: any client holding a certificate from the configured CA (${certified}, no unixsocket) runs commands without a password`, severity: 'high', evidence: [] };
  // No TCP port and no socket: the server refuses to start; nothing narrower to say.
  if (!socket) return undefined;
  const severity = socketSeverity(socket);
  const evidence = [`the unix socket's mode: ${socket.detail} (${formatSource(socket.source)})`];
  const through = `through the unix socket ${clipped(socket.path)}, and ${whoMayOpen(socket)}`;
  if (certified) {
    return { message: `${how}: any client holding a certificate from the configured CA (${certified}) runs commands without a password, and so does a local client ${through}`, severity: worse('high', severity), evidence };
  }
  return { message: `${how}: no TCP port is open (${tcpClosed(config)}), but a local client runs commands without a password ${through}`, severity, evidence };
}

function fromAcl(acl: AclState, categories: CategoryTable | undefined, facts: Facts): Verdict {
  const user = defaultUser(acl);
  if (!user) {
    const unread = unreadUsers(acl);
    return unread !== undefined ? skip(unread) : pass('there is no default user: every client must authenticate as a named user', { source: acl.source });
  }
  if (user.enabled && user.nopass && defaultRunsNothing(acl, categories)) {
    return pass("the default user is 'on' and 'nopass' but may run no command: a client must authenticate as a named user before it can run anything but AUTH, HELLO and RESET", { source: user.source });
  }
  // QA43-58: the health-check default (`-@all +ping`): a client without a password runs PING or ECHO, nothing that
  // reads, writes or administers anything (GET: NOPERM).
  const only = user.enabled && user.nopass && categories && categories.categories.size > 0 ? runsOnly(user, categories, PROBE_COMMANDS) : undefined;
  if (only !== undefined && only.length > 0) {
    const how = acl.origin === 'requirepass' ? "requirepass is ''" : "the default user is 'on' and 'nopass'";
    return fail({ message: `${how}, but may run only ${only.map((c) => c.toUpperCase()).join(', ')}: a client without a password runs that and nothing that reads, writes or administers anything`, source: user.source, severity: 'low' });
  }
  if (user.enabled && user.nopass) {
    const how = acl.origin === 'requirepass' ? "requirepass is ''" : "the default user is 'on' and 'nopass'";
    const narrow = narrowWays(facts, how);
    if (narrow) return fail({ message: narrow.message, source: user.source, severity: narrow.severity, ...(narrow.evidence.length > 0 ? { evidence: narrow.evidence } : {}) });
    return fail({ message: `${how}: any client that reaches the server runs commands without a password`, source: user.source });
  }
  if (!user.enabled) return pass("the default user is 'off': every client must authenticate as a named user", { source: user.source });
  return pass('the default user requires a password', { source: user.source });
}

/** How the probe's client came: ` over TLS`, and where a certificate logs in as a user (tls-auth-clients-user), with none. */
function overWhat(unauth: UnauthenticatedProbe): string {
  return unauth.tls ? (unauth.withoutCertificate !== undefined ? ' over TLS and with no client certificate' : ' over TLS') : '';
}

/** What a client without credentials (and, with --probe-credentials, with default passwords) got. */
function fromWire(facts: Facts): Verdict | undefined {
  const unauth = facts.probe?.unauthenticated;
  const guessed = facts.probe?.defaultPasswords;
  if (!unauth) return undefined;
  const where = portLabel(unauth);
  const over = overWhat(unauth);
  const findings: Finding[] = [];
  if (unauth.outcome === 'open') {
    findings.push({ message: `a client without credentials${over} on ${where} ran commands: ${unauth.detail}`, source: unauth.source });
  }
  if (guessed?.outcome === 'guessed') {
    findings.push({ message: `${where}: ${guessed.detail}: anyone who tries them gets in`, source: guessed.source, remediation: 'Replace the password with a long random one (`ACL GENPASS`), or disable the default user.' });
  }
  if (findings.length > 0) return fail(findings);
  if (unauth.outcome === 'untested' && unauth.deniedAsDefaultUser) {
    return skip(`a client without credentials${over} on ${where} is logged in as the default user, which needs no password, and was denied ${unauth.deniedAsDefaultUser} (${unauth.detail.replace(/: the server took .*$/, '')}): whether it may run other commands depends on the default user's rules`);
  }
  if (unauth.outcome === 'untested') return skip(`the unauthenticated probe of ${where} could not ${/^PING: .*INFO server/.test(unauth.detail) ? 'tell' : 'connect'} (${unauth.detail})`);
  // Protected mode refuses only non-local clients: local ones, and anything behind a local proxy, still get in.
  if (/DENIED/.test(unauth.detail)) return skip(`protected mode refused the unauthenticated probe of ${where}, which says nothing about local clients (${unauth.detail})`);
  const tried = guessed?.outcome === 'not-guessed' ? `; ${guessed.detail}` : '';
  return pass(`a client without credentials${over} on ${where} was refused (${unauth.detail})${tried}`, { source: unauth.source });
}

export default defineRule({
  id: 'auth.no-authentication',
  title: 'Clients must authenticate',
  severity: 'critical',
  section: 'Account',
  checklist: 'Account 1',
  sources: ['live', 'config', 'probe'],
  remediation: 'Disable the default user (`ACL SETUSER default off`, or `user default off` in the ACL file) and give each client its own ACL user with a long random password (`ACL GENPASS`); on Redis < 6, set `requirepass`.',
  requires: [],
  check(facts) {
    const acl = facts.acl ? fromAcl(facts.acl, facts.categories, facts) : skip(facts.unavailable.acl ?? 'the ACL users could not be read');
    const wire = fromWire(facts);
    // One root cause, one finding: a password-less default user that the probe also got in as (issue 11).
    const unauth = facts.probe?.unauthenticated;
    if (acl.status === 'fail' && wire?.status === 'fail' && unauth?.outcome === 'open') {
      const [user] = acl.findings;
      const rest = wire.findings.filter((f) => f.source !== unauth.source);
      const confirmed = `confirmed on the wire: a client without credentials${overWhat(unauth)} on ${portLabel(unauth)} ran commands (${unauth.detail})`;
      return withCertificateLogin(fail([{ ...user!, evidence: [...(user!.evidence ?? []), confirmed] }, ...rest]), facts);
    }
    return withCertificateLogin(combineVerdicts([acl, wire]), facts);
  },
});

/** The verdict with what the client certificate given alone logged in as, where a certificate is a credential. */
function withCertificateLogin(verdict: Verdict, facts: Facts): Verdict {
  const login = facts.probe?.certificateLogin;
  if (!login || (verdict.status !== 'pass' && verdict.status !== 'fail')) return verdict;
  const line = login.user !== undefined
    ? `the client certificate given logged in as user '${clipped(login.user)}' with no AUTH (${login.detail}): a certificate is a credential here (tls-auth-clients-user), judged with that user's rules, not as a client without credentials`
    : `the client certificate given, with no AUTH: ${login.detail}`;
  if (verdict.status === 'pass') return { ...verdict, evidence: [...(verdict.evidence ?? []), line] };
  const [first, ...rest] = verdict.findings;
  return fail([{ ...first!, evidence: [...(first!.evidence ?? []), line] }, ...rest]);
}
