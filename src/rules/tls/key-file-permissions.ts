import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { fileSource, filesOf, fileWriters, octal, ownership, processUser, replacersOf, ROLE_NAMES, shownPath } from '../host/common.ts';
import type { HostFileRole } from '../../facts/types.ts';

/** What whoever may change a certificate or CA file gets (QA45-18). */
const TRUSTED_FILE: Partial<Record<HostFileRole, string>> = {
  'tls-cert': "swaps the server's certificate (clients that check it then trust theirs)",
  'tls-client-cert': 'swaps the certificate the server shows as a client (replication, the cluster bus)',
  'tls-ca-file': 'adds a CA of their own, so that their certificates pass tls-auth-clients (and name an ACL user with tls-auth-clients-user) at the next TLS reload',
  'tls-ca-dir': 'adds a CA of their own, so that their certificates pass tls-auth-clients at the next TLS reload',
};
import { ownershipText } from '../../profile/index.ts';

export default defineRule({
  id: 'tls.key-file-permissions',
  title: 'TLS private keys are readable by the server and by no one else',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 6',
  sources: ['host'],
  remediation: `Make the files named by tls-key-file and tls-client-key-file ${ownershipText('tls-key')} (chown, chmod; the server only reads them; redis:redis 0600 or 0400 passes too). The certificates and CA files (tls-cert-file, tls-client-cert-file, tls-ca-cert-file, tls-ca-cert-dir) may be read by anyone but changed only by root or the server's user: root:root 0644 (a CA directory 0755), in directories no one else may write.`,
  requires: ['host'],
  check({ host }) {
    const { files, unknown, absent } = filesOf(host, ['tls-key', 'tls-client-key']);
    const user = processUser(host);
    const findings: Finding[] = [];
    const judged: string[] = [];
    const notes: string[] = [];
    for (const file of files) {
      const name = ROLE_NAMES[file.role];
      if (file.state.kind === 'missing') {
        findings.push({ message: `${file.path} (${name}) does not exist: the server fails to reload TLS and to restart`, source: fileSource(file) });
        continue;
      }
      if (file.state.kind !== 'present') continue;
      const { stat } = file.state;
      const line = `${shownPath(file)} (${name}): mode ${octal(stat.mode)}, ${ownership(stat)}`;
      // The ownership model: root:redis 640 (the server reads it through its group), or the server's user 600/400.
      const problems: string[] = [];
      const uid = host.process.uid.effective;
      const gid = host.process.gid.effective;
      if (stat.uid === uid) {
        const who = [(stat.mode & 0o070) !== 0 ? 'its group' : '', (stat.mode & 0o007) !== 0 ? 'others' : ''].filter(Boolean).join(' and ');
        const what = (stat.mode & 0o022) !== 0 ? 'read or change' : 'read';
        if (who !== '') problems.push(`its mode ${octal(stat.mode)} lets ${who} ${what} it: chmod 600 (or 400)`);
      } else if (stat.uid === 0) {
        if (stat.gid !== gid || (stat.mode & 0o040) === 0) problems.push(`the server (${user}) cannot read it: chown root:${host.process.group ?? 'redis'} and chmod 640`);
        if ((stat.mode & 0o027) !== 0) problems.push(`its mode ${octal(stat.mode)} gives more than group read: chmod 640`);
      } else {
        problems.push(`it is owned by ${stat.owner ?? `uid ${stat.uid}`}, neither root nor ${user}: chown root:${host.process.group ?? 'redis'} and chmod 640`);
      }
      const parent = stat.parent;
      const dirNote = parent && (parent.mode & 0o002) !== 0 && (parent.mode & 0o1000) === 0 ? `its directory ${parent.path} (mode ${octal(parent.mode)}) lets anyone replace it` : undefined;
      if (problems.length > 0) {
        findings.push({ message: `${line}: ${[...problems, ...(dirNote ? [dirNote] : [])].join('; ')}`, source: fileSource(file) });
        continue;
      }
      judged.push(line);
      if (dirNote) notes.push(`${file.path}: ${dirNote}`);
    }
    // The certificates and CA files may be read by anyone; only root and the server's user may change them (QA45-18):
    // the file's mode and owner, and every directory on its path (replacersOf). A CA directory anyone may add to is
    // open whatever its sticky bit: adding a file is the attack.
    const trusted = filesOf(host, ['tls-cert', 'tls-client-cert', 'tls-ca-file', 'tls-ca-dir']);
    const server = { uid: host.process.uid.effective, gid: host.process.gid.effective };
    for (const file of trusted.files) {
      if (file.state.kind !== 'present') continue;
      const { stat } = file.state;
      const problems = fileWriters(stat, server, user);
      const replacers = replacersOf(stat, server);
      problems.push(...replacers.ways);
      if (problems.length === 0) {
        if (replacers.unknown !== undefined) unknown.push(`${file.path}: ${replacers.unknown}, so who may replace it is unknown`);
        continue;
      }
      findings.push({
        message: `${shownPath(file)} (${ROLE_NAMES[file.role]}): mode ${octal(stat.mode)}, ${ownership(stat)}: ${problems.join('; ')}: whoever may change it ${TRUSTED_FILE[file.role]}`,
        source: fileSource(file),
      });
    }
    unknown.push(...trusted.unknown);
    if (findings.length > 0) return fail(findings);
    if (unknown.length > 0) return skip(`cannot judge the TLS keys: ${unknown.join('; ')}`);
    if (judged.length === 0) return skip(`no TLS private key is configured (${absent.join('; ') || 'no key file'})`);
    return pass(`${judged.join('; ')}${notes.length > 0 ? ` (note: ${notes.join('; ')})` : ''}`, { evidence: notes });
  },
});
