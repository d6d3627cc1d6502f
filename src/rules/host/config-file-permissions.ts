import { formatSource } from '../../facts/types.ts';
import type { HostFileRole, HostStat } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { excessRights, fileSource, filesOf, fileWriters, octal, ownership, processUser, replacersOf, ROLE_NAMES, shownPath } from './common.ts';
import { ownershipText } from '../../profile/index.ts';

/** What rewrites each file in place (a temporary file in the same directory, then a rename). */
const REWRITTEN_BY: Partial<Record<HostFileRole, string>> = {
  config: 'CONFIG REWRITE',
  acl: 'ACL SAVE',
  'sentinel-config': "Sentinel's own rewrite of its config",
};

/** Why the server's user cannot replace the file by rename (its directory is not writable to it); undefined when it can. */
function cannotRewrite(stat: HostStat, uid: number, gid: number): string | undefined {
  const dir = stat.parent;
  if (!dir || uid === 0) return undefined;
  const writable = dir.uid === uid ? (dir.mode & 0o200) !== 0 : dir.gid === gid ? (dir.mode & 0o020) !== 0 : (dir.mode & 0o002) !== 0;
  if (!writable) return `its directory ${dir.path} (mode ${octal(dir.mode)}) is not writable by the server's user`;
  if (stat.uid !== uid && (dir.mode & 0o1000) !== 0) return `its directory ${dir.path} is sticky and the file is not the server user's`;
  return undefined;
}

export default defineRule({
  id: 'host.config-file-permissions',
  title: 'Configuration files are private and owned by root or redis',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 7',
  sources: ['host'],
  remediation: `Make redis.conf, its includes, the ACL file and sentinel.conf ${ownershipText('config')} (chown, chmod), in a directory ${ownershipText('config-dir')}: the server rewrites redis.conf (CONFIG REWRITE), the ACL file (ACL SAVE) and sentinel.conf by writing a temporary file beside each and renaming it, created 0644 less the process umask: set UMask=0027 in the service so that the rewritten files stay 0640.`,
  requires: ['host'],
  check({ host }) {
    const { files, unknown, absent } = filesOf(host, ['config', 'sentinel-config', 'include', 'acl', 'module', 'sentinel-script']);
    const owners = new Set([0, host.process.uid.effective]);
    const server = { uid: host.process.uid.effective, gid: host.process.gid.effective };
    const findings: Finding[] = [];
    const judged: string[] = [];
    const notes: string[] = [];
    const unseen: string[] = [];
    for (const file of files) {
      if (file.state.kind !== 'present') continue;
      const { stat } = file.state;
      if (file.role === 'module' || file.role === 'sentinel-script') {
        // A loadmodule file (QA45-20): anyone may read or run it; whoever may change it runs code in the server's
        // process, as its user, at its next start.
        const ways = fileWriters(stat, server, "the server's user");
        const replacers = replacersOf(stat, server);
        ways.push(...replacers.ways);
        const line = `${shownPath(file)} (${ROLE_NAMES[file.role]}): mode ${octal(stat.mode)}, ${ownership(stat)}`;
        if (ways.length > 0) {
          findings.push({ message: `${line}: ${ways.join('; ')}: ${file.role === 'module' ? `whoever may change it runs code in the server's process, as ${processUser(host)}, at its next start` : `whoever may change it runs code as ${processUser(host)} at the sentinel's next failover event`}`, source: fileSource(file), severity: 'high', evidence: [`path from ${formatSource(file.origin)}`] });
        } else if (replacers.unknown !== undefined) unseen.push(`${file.path}: ${replacers.unknown}, so who may replace it is unknown`);
        else judged.push(line);
        continue;
      }
      const problems = excessRights(stat.mode);
      const foreignOwner = !owners.has(stat.uid);
      // Who besides root and the server's user may change it: through its mode, its owner, or a directory on its path
      // (QA45-19). What they write there runs as the server's user at its next start (a loadmodule, a dir and
      // dbfilename, an aclfile of theirs): worse than a password anyone may read (QA45-31).
      const replacers = replacersOf(stat, server);
      const writable = fileWriters(stat, server, "the server's user").length > 0 || replacers.ways.length > 0;
      // A server run as root: 'neither root nor root (the server's user)' said one owner twice.
      const allowed = host.process.uid.effective === 0 ? "not root (the server's user)" : `neither root nor ${processUser(host)} (the server's user)`;
      if (foreignOwner) problems.push(`it is owned by ${stat.owner ?? `uid ${stat.uid}`}, ${allowed}`);
      problems.push(...replacers.ways);
      const line = `${shownPath(file)} (${ROLE_NAMES[file.role]}): mode ${octal(stat.mode)}, ${ownership(stat)}`;
      // The ownership model: the server must be able to rewrite these (CONFIG REWRITE, ACL SAVE, sentinel's own
      // rewrites), which write a temporary file in the directory and rename it over the file.
      const rewrites = file.role === 'include' ? undefined : REWRITTEN_BY[file.role];
      const unwritable = rewrites && problems.length === 0 ? cannotRewrite(stat, host.process.uid.effective, host.process.gid.effective) : undefined;
      if (problems.length === 0 && replacers.unknown !== undefined) {
        unseen.push(`${file.path}: ${replacers.unknown}, so who may replace it is unknown`);
        continue;
      }
      notes.push(...replacers.sticky);
      if (problems.length === 0 && unwritable === undefined) {
        judged.push(line);
        continue;
      }
      if (problems.length === 0) {
        findings.push({
          message: `${line}: private, but ${unwritable}, so ${rewrites} fails with Permission denied (own it redis:redis 640, in a redis:redis 750 directory)`,
          source: fileSource(file),
          severity: 'low',
          evidence: [`path from ${formatSource(file.origin)}`],
        });
        continue;
      }
      const secrets = file.secrets;
      const holds = secrets?.known === true && secrets.value.length > 0;
      // Readable beyond root and the server's user: its group, others, or a foreign owner.
      const exposed = (stat.mode & 0o044) !== 0 || foreignOwner;
      const secretNote = secrets === undefined ? '' : !secrets.known ? `; whether it holds a password is unknown (${secrets.reason})` : holds ? `; it holds ${secrets.value.map((s) => s.slice(s.indexOf(': ') + 2)).join(', ')}` : '';
      const runs = writable ? `: whoever may change it decides what the server loads at its next start, as ${processUser(host)}` : '';
      findings.push({
        message: `${line}: ${problems.join('; ')}${runs}${secretNote}`,
        source: fileSource(file),
        severity: writable || (holds && exposed) ? 'high' : undefined,
        evidence: [`path from ${formatSource(file.origin)}`, ...(holds ? secrets.value : [])],
      });
    }
    if (findings.length > 0) return fail(findings);
    unknown.push(...unseen);
    if (unknown.length > 0) return skip(`cannot judge every config file: ${unknown.join('; ')}${judged.length > 0 ? ` (the others are private: ${judged.join('; ')})` : ''}`);
    if (judged.length === 0) return skip(`no config or ACL file to judge: ${absent.join('; ') || 'none is known'}`);
    const noted = [...new Set(notes)];
    return pass(`${judged.length === 1 ? 'the config file is' : `${judged.length} config files are`} private: ${judged.join('; ')}${noted.length > 0 ? ` (note: ${noted.join('; ')})` : ''}`, { evidence: noted });
  },
});
