import { defineRule, fail, pass } from '../define.ts';
import { isYes } from '../util.ts';
import { DEFAULT_LOGFILE } from '../../profile/index.ts';

export default defineRule({
  id: 'logging.no-logfile',
  title: 'Logs are kept',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 3',
  sources: ['live', 'config'],
  remediation: `Set \`logfile ${DEFAULT_LOGFILE}\` (a restart: logfile is immutable on 7.0+), or \`syslog-enabled yes\`, or run in the foreground (\`daemonize no\`) under a supervisor that keeps stdout.`,
  requires: ['config'],
  check({ config, host }) {
    const logfile = config.get('logfile');
    const daemonize = config.get('daemonize');
    const syslog = config.get('syslog-enabled');
    if (logfile && logfile.value !== '') return pass(`logfile is '${logfile.value}'`, { source: logfile.source });
    // Syslog only counts when something listens on /dev/log where the server runs (issue 11).
    const noDevLog = host?.logging.known === true && host.logging.value.devLog === false;
    if (isYes(syslog) && !noDevLog) return pass("logfile is '' but syslog-enabled is 'yes'", { source: syslog?.source });
    if (isYes(syslog) && isYes(daemonize)) {
      return fail({ message: "logfile is '' and syslog-enabled is 'yes', but /dev/log does not exist where the server runs and daemonize is 'yes': nothing is logged anywhere", source: logfile?.source ?? syslog?.source });
    }
    if (isYes(daemonize)) {
      return fail({
        message: "logfile is '' with daemonize 'yes': the server writes its log to /dev/null",
        source: logfile?.source ?? daemonize?.source,
      });
    }
    return pass("logfile is '' and daemonize is 'no': logs go to standard output, kept by the supervisor (systemd, Docker, Kubernetes)", { source: logfile?.source });
  },
});
