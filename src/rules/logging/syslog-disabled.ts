import { defineRule, fail, pass, skip } from '../define.ts';
import { sentinelFix } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL =
  'Set `syslog-enabled yes` (with `syslog-ident` and `syslog-facility`) in sentinel.conf and restart the sentinel, on a host where a syslog daemon (rsyslog, or journald\'s /dev/log) listens; or ship the log file with your log collector and suppress this rule with that reason.';

export default defineRule({
  id: 'logging.syslog-disabled',
  title: 'Logs go to a central syslog',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 15',
  sources: ['live', 'config'],
  remediation: 'Set `syslog-enabled yes` (with `syslog-ident` and `syslog-facility`) in redis.conf and restart, on a host where a syslog daemon (rsyslog, or journald\'s /dev/log) listens; or ship the log file with your log collector and suppress this rule with that reason.',
  requires: ['config'],
  check({ config, host, server }) {
    const syslog = config.get('syslog-enabled');
    if (!syslog) return skip('syslog-enabled is not reported by this server');
    if (syslog.value !== 'yes') {
      return fail({ message: `syslog-enabled is '${clipped(syslog.value)}': logs stay on this host`, source: syslog.source, ...sentinelFix(server, SENTINEL) });
    }
    // Redis sends to the local syslog socket; without one (a minimal container) every message is dropped.
    if (host?.logging.known && host.logging.value.devLog === false) {
      return fail({ message: "syslog-enabled is 'yes' but /dev/log does not exist where the server runs: no syslog daemon receives its messages, so nothing is logged there", source: syslog.source, evidence: [`checked /proc/${host.process.pid}/root/dev/log`] });
    }
    const facility = config.get('syslog-facility')?.value;
    return pass(`syslog-enabled is 'yes'${facility ? ` (facility ${facility})` : ''}`, { source: syslog.source });
  },
});
