import { readProcText } from '../../util/read-file.ts';

/**
 * How this machine's /proc hides processes from other users: `hidepid=invisible` (or 1, 2, noaccess, ptraceable) when
 * /proc is mounted so (proc(5): "hidepid"), then only root, the process's own user (and the `gid=` group) read a
 * process's command line; undefined when /proc shows every process to every user (the default) or its mount cannot be
 * read. Read from redfort's own mount table: the /proc the host's users see with `ps`.
 */
export async function procHidesProcesses(): Promise<string | undefined> {
  const text = await readProcText('/proc/self/mountinfo');
  return text === undefined ? undefined : hidepidOf(text);
}

/** The hidepid= option of the /proc mount in a mountinfo text (proc(5)), when it hides anything. */
export function hidepidOf(mountinfo: string): string | undefined {
  let found: string | undefined;
  for (const line of mountinfo.split('\n')) {
    // `36 35 0:20 / /proc rw,nosuid,… shared:12 - proc proc rw,hidepid=invisible,gid=27`
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || fields[4] !== '/proc' || fields[dash + 1] !== 'proc') continue;
    // The last mount on /proc is the one that shows.
    const options = (fields[dash + 3] ?? '').split(',');
    const hidepid = options.find((o) => o.startsWith('hidepid='))?.slice('hidepid='.length);
    const gid = options.find((o) => o.startsWith('gid='));
    found = hidepid === undefined || hidepid === '0' || hidepid === 'off' ? undefined : `hidepid=${hidepid}${gid ? `,${gid}` : ''}`;
  }
  return found;
}
