import { formatSource } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { excessRights, fileSource, filesOf, octal, ownership, processUser, ROLE_NAMES, shownPath } from './common.ts';

export default defineRule({
  id: 'host.config-file-permissions',
  title: 'Configuration files are private and owned by root or redis',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 7',
  sources: ['host'],
  remediation: 'chown root:redis (or redis:redis) and chmod 640 redis.conf, its includes, the ACL file and sentinel.conf.',
  requires: ['host'],
  check({ host }) {
    const { files, unknown, absent } = filesOf(host, ['config', 'sentinel-config', 'include', 'acl']);
    const owners = new Set([0, host.process.uid.effective]);
    const findings: Finding[] = [];
    const judged: string[] = [];
    for (const file of files) {
      if (file.state.kind !== 'present') continue;
      const { stat } = file.state;
      const problems = excessRights(stat.mode);
      const foreignOwner = !owners.has(stat.uid);
      if (foreignOwner) problems.push(`it is owned by ${stat.owner ?? `uid ${stat.uid}`}, neither root nor ${processUser(host)} (the server's user)`);
      const line = `${shownPath(file)} (${ROLE_NAMES[file.role]}): mode ${octal(stat.mode)}, ${ownership(stat)}`;
      if (problems.length === 0) {
        judged.push(line);
        continue;
      }
      const secrets = file.secrets;
      const holds = secrets?.known === true && secrets.value.length > 0;
      // Readable beyond root and the server's user: its group, others, or a foreign owner.
      const exposed = (stat.mode & 0o044) !== 0 || foreignOwner;
      const secretNote = secrets === undefined ? '' : !secrets.known ? `; whether it holds a password is unknown (${secrets.reason})` : holds ? `; it holds ${secrets.value.map((s) => s.slice(s.indexOf(': ') + 2)).join(', ')}` : '';
      findings.push({
        message: `${line}: ${problems.join('; ')}${secretNote}`,
        source: fileSource(file),
        severity: holds && exposed ? 'high' : undefined,
        evidence: [`path from ${formatSource(file.origin)}`, ...(holds ? secrets.value : [])],
      });
    }
    if (findings.length > 0) return fail(findings);
    if (unknown.length > 0) return skip(`cannot judge every config file: ${unknown.join('; ')}${judged.length > 0 ? ` (the others are private: ${judged.join('; ')})` : ''}`);
    if (judged.length === 0) return skip(`no config or ACL file to judge: ${absent.join('; ') || 'none is known'}`);
    return pass(`${judged.length === 1 ? 'the config file is' : `${judged.length} config files are`} private: ${judged.join('; ')}`);
  },
});
