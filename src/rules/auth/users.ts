import type { AclState, AclUser, ConfigMap, Facts } from '../../facts/types.ts';
import type { CertificateLogins } from '../../redis/certificate-logins.ts';
import { certificateLogins } from '../../redis/certificate-logins.ts';
import { clipped } from '../../util/shown.ts';
import type { Verdict } from '../define.ts';
import { skip } from '../define.ts';

/** A user that can be logged into with AUTH: on, and with a password or nopass. */
export function canLogIn(user: AclUser): boolean {
  return user.enabled && (user.nopass || user.passwords.length > 0);
}

/**
 * A user that can be logged into: {@link canLogIn}, or, where a client certificate logs in as the user it names
 * (`logins` on: tls-auth-clients-user), any user that is on, password or not.
 */
export function reachable(user: AclUser, logins: CertificateLogins): boolean {
  return canLogIn(user) || (user.enabled && logins.state === 'on');
}

/** A user that is on with no password and no nopass: reached only by a certificate naming it, when certificates log in. */
export function certificateOnly(user: AclUser): boolean {
  return user.enabled && !user.nopass && user.passwords.length === 0;
}

/** What the facts say of certificate logins: the running configuration, else the files'. */
export function loginsOf(facts: { readonly config?: ConfigMap | undefined; readonly files?: Facts['files']; readonly server?: Facts['server'] }): CertificateLogins {
  return certificateLogins(facts.config ?? facts.files?.config, facts.server);
}

/** How a finding names the way a certificate-only user logs in (`by a certificate whose CN is 'app'`). */
export function byCertificate(user: AclUser, logins: CertificateLogins & { readonly state: 'on' }): string {
  const field = logins.field === 'CN' ? 'subject CN' : 'URI subjectAltName';
  return `user '${clipped(user.name)}' has no password: any client certificate of the configured CA whose ${field} is '${clipped(user.name)}' logs in as it, with no AUTH (${logins.settings})`;
}

/**
 * A verdict on the users that can log in (`judge` is given the test of who can). Where certificate logins are unknown
 * (a release that has tls-auth-clients-user, its configuration unread) and the users only a certificate would reach
 * turn a pass into a failure, a skip saying so: unknown, never a pass.
 */
export function judgeLoggingIn(acl: AclState, logins: CertificateLogins, judge: (canLogIn: (user: AclUser) => boolean) => Verdict): Verdict {
  const verdict = judge((user) => reachable(user, logins));
  if (logins.state !== 'unknown' || verdict.status !== 'pass') return verdict;
  const uncertain = acl.users.filter(certificateOnly);
  if (uncertain.length === 0) return verdict;
  const widened = judge((user) => canLogIn(user) || certificateOnly(user));
  if (widened.status !== 'fail') return verdict;
  const names = uncertain.map((u) => `'${clipped(u.name)}'`).join(', ');
  return skip(`${widened.findings.map((f) => f.message).join('; ')}, if a client certificate logs in as ${uncertain.length === 1 ? 'user' : 'users'} ${names} (which ${uncertain.length === 1 ? 'has' : 'have'} no password): ${logins.why}`);
}

/** SHA-256 of the empty string: `requirepass ""` and `>` set it. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
