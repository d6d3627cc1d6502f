import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { clipped } from '../../util/shown.ts';

/** Directives whose value is a clear-text password in a config file. */
const CLEAR_TEXT_DIRECTIVES = ['requirepass', 'masterauth', 'sentinel-pass', 'tls-key-file-pass', 'tls-client-key-file-pass'];

/** The fix, naming the replication password as the file does (Valkey 8's `primaryauth`). */
function remediationFor(masterauth: string): string {
  return `Store ACL passwords as \`#<sha256>\` (\`echo -n "$PW" | sha256sum\`) in the ACL file; move requirepass to an ACL user; keep ${masterauth} / sentinel auth-pass in files readable only by redis.`;
}

export default defineRule({
  id: 'auth.plaintext-passwords',
  title: 'No password is stored in clear text',
  severity: 'medium',
  section: 'Account',
  checklist: 'Account 4',
  sources: ['config'],
  remediation: remediationFor('masterauth'),
  requires: ['files'],
  check({ files }) {
    const findings: Finding[] = [];
    // As the file writes it: Valkey 8 takes `primaryauth` for masterauth.
    const masterauth = files.spelled?.get('masterauth') ?? 'masterauth';
    const remediation = masterauth === 'masterauth' ? {} : { remediation: remediationFor(masterauth) };
    for (const user of files.users) {
      if (user.plaintextPasswords > 0) {
        findings.push({ message: `user '${clipped(user.name)}' has ${user.plaintextPasswords} clear-text password${user.plaintextPasswords === 1 ? '' : 's'} ('>…')`, source: user.source, ...remediation });
      }
    }
    for (const name of CLEAR_TEXT_DIRECTIVES) {
      const secret = files.secrets.get(name);
      if (secret?.value.set && secret.source.kind === 'file') {
        findings.push({ message: `${files.spelled?.get(name) ?? name} holds a clear-text password`, source: secret.source, ...remediation });
      }
    }
    for (const [name, secret] of files.secrets) {
      if (name.startsWith('sentinel auth-pass') && secret.value.set) findings.push({ message: `${name} holds a clear-text password`, source: secret.source, ...remediation });
    }
    if (findings.length > 0) return fail(findings);
    // An ACL file named but not readable here may hold `>password` lines: unknown, not "no clear-text password".
    if (files.unread?.length) return skip(`${files.unread.join('; ')}: its passwords are unknown (no clear-text password in the ${files.paths.length} file${files.paths.length === 1 ? '' : 's'} read)`);
    return pass(`no clear-text password in ${files.paths.length} file${files.paths.length === 1 ? '' : 's'}`, { source: files.source });
  },
});
