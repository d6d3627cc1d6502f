import type { HostFacts, HostStat, LogrotateFacts } from '../../facts/types.ts';
import type { Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { coveringStanza } from './logrotate-match.ts';
import { octal } from '../host/common.ts';

/** Whether logrotate refuses the directory (world-writable, or group-writable by a group other than root) without `su`. */
function insecureParent(stat: HostStat | undefined): string | undefined {
  const parent = stat?.parent;
  if (!parent) return undefined;
  if ((parent.mode & 0o002) !== 0) return `${parent.path} is writable by others (mode ${octal(parent.mode)})`;
  if ((parent.mode & 0o020) !== 0 && parent.gid !== 0) return `${parent.path} is writable by its group, which is not root (mode ${octal(parent.mode)})`;
  return undefined;
}

/** Where logrotate is missing, a rule file is no fix: the redis-server package ships one (Debian, Ubuntu) that nothing runs. */
const NOT_INSTALLED =
  "Install logrotate (Debian and Ubuntu: `apt-get install logrotate`; the redis-server package's /etc/logrotate.d/redis-server then rotates /var/log/redis/redis-server*.log), and add a rule for the log file if it lives elsewhere; or log to syslog.";

function judgeFile(path: string, stat: HostStat | undefined, logrotate: HostFacts['logrotate'], what: string): Verdict {
  if (!logrotate.known) return skip(`cannot tell whether ${path} is rotated: ${logrotate.reason}`);
  const facts: LogrotateFacts = logrotate.value;
  if (facts.installed === false) return fail({ message: `${what} ${path}, but logrotate is not installed: nothing rotates it`, source: logrotate.source, remediation: NOT_INSTALLED });
  const real = stat?.realPath ?? path;
  const byReal = coveringStanza(facts.stanzas, real);
  const byLink = real === path ? undefined : coveringStanza(facts.stanzas, path);
  const read = facts.files.length > 0 ? `read ${facts.files.join(', ')}` : `no logrotate configuration (${facts.problems.join('; ')})`;
  if (!byReal && byLink) {
    return fail({ message: `${what} ${path}, a symlink to ${real}: ${byLink.stanza.path}:${byLink.stanza.line} names the link, and logrotate does not rotate symlinks`, source: { kind: 'host', detail: `${byLink.stanza.path}:${byLink.stanza.line}` } });
  }
  if (!byReal) return fail({ message: `${what} ${path}, and no logrotate rule covers it (${read})`, source: logrotate.source, evidence: facts.problems });
  const where = `${byReal.stanza.path}:${byReal.stanza.line}`;
  const insecure = insecureParent(stat);
  if (insecure && !byReal.stanza.su) {
    return fail({ message: `${what} ${path}; ${where} ('${byReal.pattern}') covers it, but logrotate skips it: ${insecure} and the rule has no 'su' line`, source: { kind: 'host', detail: where } });
  }
  return pass(`${what} ${path}, rotated by ${where} ('${byReal.pattern}')`, { source: { kind: 'host', detail: where } });
}

export default defineRule({
  id: 'logging.no-rotation',
  title: 'The log file is rotated',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 6',
  sources: ['host'],
  remediation: 'Add a logrotate rule for the log file (e.g. /etc/logrotate.d/redis-server; Redis reopens its log for every line, so a plain rotate works), or log to syslog.',
  requires: ['host'],
  check({ host }) {
    const logging = host.logging;
    if (!logging.known) return skip(`the log destination is unknown: ${logging.reason}`);
    const { logfile, syslog, daemonize } = logging.value;
    if (logfile === '/dev/null') return skip("logfile is '/dev/null': the log is discarded, nothing to rotate (see logging.no-logfile)");
    if (logfile !== '') {
      const file = host.files.find((f) => f.role === 'log');
      const stat = file?.state.kind === 'present' ? file.state.stat : undefined;
      return judgeFile(file?.path ?? logfile, stat, host.logrotate, 'the server logs to');
    }
    // Syslog keeps the log only where something listens on /dev/log (issue 11); without it the server still writes
    // its log to standard output (logfile ''), judged below as when syslog is off.
    if (syslog && logging.value.devLog !== false) return pass("logfile is '' and syslog-enabled is 'yes': syslog keeps and rotates the log", { source: logging.source });
    if (daemonize) return skip("logfile is '' with daemonize 'yes': the log goes to /dev/null, nothing to rotate (see logging.no-logfile)");
    const stdout = host.process.stdout;
    if (!stdout.known) return skip(`logfile is '': the log goes to standard output, whose destination is unknown (${stdout.reason})`);
    const target = stdout.value;
    const unit = host.systemd.known && host.systemd.value ? ` of ${host.systemd.value.unit}` : '';
    if (target.startsWith('socket:')) return pass(`logfile is '': the log goes to standard output, a socket (the journal${unit} or a log collector), which rotates it`, { source: stdout.source });
    if (target.startsWith('pipe:')) return pass("logfile is '': the log goes to standard output, a pipe read by a supervisor or container runtime", { source: stdout.source });
    if (target === '/dev/null') return skip("logfile is '' and standard output is /dev/null: the log is discarded, nothing to rotate (see logging.no-logfile)");
    if (target.startsWith('/dev/')) return skip(`logfile is '' and standard output is ${target}: a terminal, not a log`);
    if (target.startsWith('/')) return judgeFile(target.replace(/ \(deleted\)$/, ''), undefined, host.logrotate, "logfile is '' and standard output is redirected to");
    return skip(`logfile is '' and standard output is ${target}`);
  },
});
