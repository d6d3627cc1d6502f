import { formatSource } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { excessRights, fileSource, filesOf, octal, ownership, replacersOf, ROLE_NAMES, shownPath } from './common.ts';
import { ownershipText } from '../../profile/index.ts';
import { systemDirectory } from '../persistence/system-path.ts';
import { posix } from 'node:path';
import type { HostStat } from '../../facts/types.ts';

/**
 * The nearest directory above a file that no user other than the file's owner and group can search: neither
 * others (no o+x), nor an owner that is not the file's (no u+x unless it is), nor a group that is not the file's (no
 * g+x unless it is). Undefined when none is known to (a directory that could not be read counts for nothing).
 */
function keptOut(stat: HostStat): { path: string; mode: number } | undefined {
  for (const dir of [...(stat.parent ? [stat.parent] : []), ...(stat.ancestors ?? [])]) {
    if (dir.mode & 0o001) continue;
    if (dir.uid !== stat.uid && dir.mode & 0o100) continue;
    if (dir.gid !== stat.gid && dir.mode & 0o010) continue;
    return dir;
  }
  return undefined;
}

export default defineRule({
  id: 'host.data-file-permissions',
  title: 'Data and log files are private to the redis user',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 5',
  sources: ['host'],
  remediation: `The data directory ${ownershipText('data-dir')}, the RDB and AOF files ${ownershipText('data')}, the log files ${ownershipText('log')} (chown, chmod); set UMask=0027 in the service.`,
  requires: ['host'],
  check({ host }) {
    const { files, unknown } = filesOf(host, ['dir', 'rdb', 'aof-dir', 'aof', 'log']);
    const findings: Finding[] = [];
    const judged: string[] = [];
    const missing: string[] = [];
    const system: string[] = [];
    const notes: string[] = [];
    const unseen: string[] = [];
    const server = { uid: host.process.uid.effective, gid: host.process.gid.effective };
    for (const file of files) {
      // Data written into /etc, a .ssh or cron directory is persistence.system-path's (critical) finding: asking for
      // `chmod 750 /etc` or `chmod 640 /etc/passwd` here would break the system, not protect the data.
      if (systemDirectory(file.role === 'dir' || file.role === 'aof-dir' ? file.path : posix.dirname(file.path))) {
        system.push(`${file.path} (${ROLE_NAMES[file.role]})`);
        continue;
      }
      if (file.state.kind === 'missing') missing.push(`${file.path} (${ROLE_NAMES[file.role]}) does not exist yet`);
      if (file.state.kind !== 'present') continue;
      const { stat } = file.state;
      // A directory above it that other users cannot search keeps them out whatever its own mode (QA41-6): its
      // others' rights are then no finding, but said, since a chmod of that directory would expose it.
      const closer = stat.mode & 0o007 ? keptOut(stat) : undefined;
      const excess = excessRights(closer ? stat.mode & ~0o007 : stat.mode);
      const line = `${shownPath(file)} (${ROLE_NAMES[file.role]}): mode ${octal(stat.mode)}, ${ownership(stat)}`;
      const note = closer ? ` (others' rights, but ${closer.path} (${octal(closer.mode)}) keeps other users out: a chmod of that directory would expose it)` : '';
      // A directory on its path that lets others replace it (QA45-22): the server reopens its log by name for every
      // line (fopen(logfile, "a")) and writes its RDB/AOF by name, so whoever puts a symlink there has it write, with
      // its own rights, into a file of their choosing, or reads what it writes through a file of their own.
      const replacers = replacersOf(stat, server);
      const problems = [...(excess.length > 0 ? [`${excess.join(' and ')} (at most ${stat.type === 'dir' ? '750' : '640'})`] : []), ...replacers.ways];
      if (problems.length === 0 && replacers.unknown !== undefined) {
        unseen.push(`${file.path}: ${replacers.unknown}, so who may replace it is unknown`);
        continue;
      }
      notes.push(...replacers.sticky);
      if (problems.length === 0) judged.push(`${line}${note}`);
      else findings.push({ message: `${line}: ${problems.join('; ')}${replacers.ways.length > 0 ? `: the server opens it by name, so whoever replaces it with a symlink has the server (${host.process.user ?? `uid ${server.uid}`}) write where they choose` : ''}${note}`, source: fileSource(file), evidence: [`path from ${formatSource(file.origin)}`] });
    }
    if (findings.length > 0) return fail(findings);
    unknown.push(...unseen);
    if (unknown.length > 0) return skip(`cannot judge every data file: ${unknown.join('; ')}${judged.length > 0 ? ` (the others are private: ${judged.join('; ')})` : ''}`);
    if (judged.length === 0 && system.length > 0) return skip(`${system.join(', ')} in a system location: not judged here (see persistence.system-path)`);
    if (judged.length === 0) return skip(missing.length > 0 ? `no data file exists yet: ${missing.join('; ')}` : 'no data directory, RDB, AOF or log file is known');
    const noted = [...new Set(notes)];
    return pass(`${judged.length} data paths are closed to other users: ${judged.join('; ')}${noted.length > 0 ? ` (note: ${noted.join('; ')})` : ''}`, { evidence: [...missing, ...system.map((f) => `${f} in a system location: see persistence.system-path`), ...noted] });
  },
});
