import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { fileSource, filesOf, octal, ownership, processUser, ROLE_NAMES, shownPath } from '../host/common.ts';

export default defineRule({
  id: 'tls.key-file-permissions',
  title: 'TLS private keys are mode 400 and owned by the redis user',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 6',
  sources: ['host'],
  remediation: 'chown redis and chmod 400 the files named by tls-key-file and tls-client-key-file.',
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
      const problems: string[] = [];
      if (stat.mode !== 0o400 && stat.mode !== 0o600) problems.push('the mode must be 400 (600 is accepted)');
      if (stat.uid !== host.process.uid.effective) problems.push(`it must be owned by ${user}, the user the server runs as`);
      const parent = stat.parent;
      const dirNote = parent && (parent.mode & 0o002) !== 0 && (parent.mode & 0o1000) === 0 ? `its directory ${parent.path} (mode ${octal(parent.mode)}) lets anyone replace it` : undefined;
      if (problems.length > 0) {
        findings.push({ message: `${line}: ${[...problems, ...(dirNote ? [dirNote] : [])].join('; ')}`, source: fileSource(file) });
        continue;
      }
      judged.push(line);
      if (stat.mode === 0o600) notes.push(`${file.path}: 600 is accepted; 400 is better, the server never writes its key`);
      if (dirNote) notes.push(`${file.path}: ${dirNote}`);
    }
    if (findings.length > 0) return fail(findings);
    if (unknown.length > 0) return skip(`cannot judge the TLS keys: ${unknown.join('; ')}`);
    if (judged.length === 0) return skip(`no TLS private key is configured (${absent.join('; ') || 'no key file'})`);
    return pass(`${judged.join('; ')}${notes.length > 0 ? ` (note: ${notes.join('; ')})` : ''}`, { evidence: notes });
  },
});
