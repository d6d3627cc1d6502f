import type { ServerIdentity } from '../../facts/types.ts';
import { defineRule, fail, pass } from '../define.ts';
import { atLeast, isYes } from '../util.ts';
import { defaultLogfile } from '../../profile/index.ts';
import { clipped } from '../../util/shown.ts';

/**
 * Why setting logfile takes a restart, as this server refuses CONFIG SET logfile: no Redis or Valkey can change it
 * at run time. 7.0+ and Valkey mark it immutable (real 7.0.15, 7.2.6, 7.4.1, Valkey 8.0.1: "can't set immutable
 * config"); 6.x reads it only from the file, and its CONFIG SET does not know it (real 6.0.20, 6.2.16: "Unsupported
 * CONFIG parameter: logfile"; redis@6.2.16:src/config.c loadServerConfigFromString).
 */
function restartWhy(server: ServerIdentity | undefined): string {
  const seven = atLeast(server, 7);
  if (seven === true) return 'logfile is immutable: CONFIG SET refuses it';
  if (seven === false) return 'CONFIG SET does not support logfile before 7.0 (Unsupported CONFIG parameter)';
  return 'CONFIG SET cannot change logfile on any version';
}

function remediationFor(server: ServerIdentity | undefined): string {
  return `Set \`logfile ${defaultLogfile(server?.product)}\` in the config file and restart (${restartWhy(server)}), or \`syslog-enabled yes\`, or run in the foreground (\`daemonize no\`) under a supervisor that keeps stdout.`;
}

/**
 * A logfile that names the server's own standard output or error. Redis opens the logfile path for every line
 * (redis@7.2.6 server.c serverLogRaw: fopen(server.logfile, "a")), and daemonize() points fds 0-2 at /dev/null, so
 * after the fork these reach /dev/null: judged as `logfile ""` (QA41-2).
 */
const STANDARD_STREAM = /^\/(?:dev\/(?:stdout|stderr)|proc\/self\/fd\/[12]|dev\/fd\/[12])$/;

export default defineRule({
  id: 'logging.no-logfile',
  title: 'Logs are kept',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 3',
  sources: ['live', 'config'],
  remediation: remediationFor(undefined),
  requires: ['config'],
  check({ config, host, server }) {
    const logfile = config.get('logfile');
    const daemonize = config.get('daemonize');
    const syslog = config.get('syslog-enabled');
    // `logfile /dev/null` is accepted (the file opens) and keeps nothing, as logfile '' with daemonize yes does.
    const devNull = logfile?.value === '/dev/null';
    const stream = logfile !== undefined && STANDARD_STREAM.test(logfile.value) ? logfile.value : undefined;
    const toStdout = stream !== undefined && /(?:stdout|\/1)$/.test(stream);
    if (logfile && logfile.value !== '' && !devNull && !stream) return pass(`logfile is '${clipped(logfile.value)}'`, { source: logfile.source });
    // Syslog only counts when something listens on /dev/log where the server runs (issue 11).
    const noDevLog = host?.logging.known === true && host.logging.value.devLog === false;
    const shown = devNull ? "logfile is '/dev/null'" : stream ? `logfile is '${stream}', the server's own standard ${toStdout ? 'output' : 'error'}` : "logfile is ''";
    const comma = stream ? ',' : '';
    if (isYes(syslog) && !noDevLog) return pass(`${shown}${comma} but syslog-enabled is 'yes'`, { source: syslog?.source });
    // In the foreground the log goes to standard output: discarded too when that is /dev/null (`> /dev/null`,
    // systemd StandardOutput=null), which logging.no-rotation reads from the same /proc/<pid>/fd/1.
    const stdout = !devNull && (stream === undefined || toStdout) && !isYes(daemonize) && host?.process.stdout.known ? host.process.stdout.value : undefined;
    const where = devNull ? 'the server writes its log to /dev/null' : stdout === '/dev/null' ? "daemonize is 'no' and standard output is /dev/null: the server's log is discarded" : undefined;
    if (isYes(syslog) && (isYes(daemonize) || where)) {
      return fail({ message: `${shown}${comma} and syslog-enabled is 'yes', but /dev/log does not exist where the server runs${where ? ` and ${where.replace(/^the server writes/, 'it writes')}` : " and daemonize is 'yes'"}: nothing is logged anywhere`, source: logfile?.source ?? syslog?.source, remediation: remediationFor(server) });
    }
    if (where) return fail({ message: `${shown}: ${where}`, source: devNull ? logfile?.source : host?.process.stdout.known ? host.process.stdout.source : logfile?.source, remediation: remediationFor(server) });
    if (isYes(daemonize)) {
      return fail({
        message: stream
          ? `${shown}, with daemonize 'yes': daemonizing points the server's standard output and error at /dev/null, so it writes its log to /dev/null`
          : "logfile is '' with daemonize 'yes': the server writes its log to /dev/null",
        source: logfile?.source ?? daemonize?.source,
        remediation: remediationFor(server),
      });
    }
    if (stream) return pass(`${shown}, and daemonize is 'no': logs go to standard ${toStdout ? 'output' : 'error'}, kept by the supervisor (systemd, Docker, Kubernetes)`, { source: logfile?.source });
    return pass("logfile is '' and daemonize is 'no': logs go to standard output, kept by the supervisor (systemd, Docker, Kubernetes)", { source: logfile?.source });
  },
});
