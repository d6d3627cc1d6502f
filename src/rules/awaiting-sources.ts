import type { FactKey } from '../facts/types.ts';
import type { Rule, RuleMeta } from './define.ts';
import { defineRule, skip } from './define.ts';

/**
 * Rules judged only from sources no gatherer fills yet (host, probe, topology). They are in the catalogue and
 * in every report; the engine skips them with the reason of the missing facts. Each moves to its own file,
 * with its test table, when its gatherer lands.
 */
function awaiting(meta: RuleMeta, requires: FactKey): Rule {
  return defineRule({
    ...meta,
    requires: [requires],
    check() {
      return skip(`needs ${requires} facts`);
    },
  });
}

export const hostRunsAsRoot = awaiting({
  id: 'host.runs-as-root',
  title: 'Redis runs as an unprivileged user',
  severity: 'high',
  section: 'Foundation',
  checklist: 'Foundation 4',
  sources: ['host'],
  remediation: 'Run redis-server and redis-sentinel as a dedicated user (User=redis in the systemd unit; runAsNonRoot in Kubernetes).',
}, 'host');

export const hostDataFilePermissions = awaiting({
  id: 'host.data-file-permissions',
  title: 'Data and log files are private to the redis user',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 5',
  sources: ['host'],
  remediation: 'chmod 750 the data directory and 640 (or stricter) the RDB, AOF and log files; chown them to the redis user.',
}, 'host');

export const loggingNoRotation = awaiting({
  id: 'logging.no-rotation',
  title: 'The log file is rotated',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 6',
  sources: ['host'],
  remediation: 'Add a logrotate rule for the log file (e.g. /etc/logrotate.d/redis-server; Redis reopens its log for every line, so a plain rotate works), or log to syslog.',
}, 'host');

export const hostConfigFilePermissions = awaiting({
  id: 'host.config-file-permissions',
  title: 'Configuration files are private and owned by root or redis',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 7',
  sources: ['host'],
  remediation: 'chown root:redis (or redis:redis) and chmod 640 redis.conf, its includes, the ACL file and sentinel.conf.',
}, 'host');

export const networkNoIpRestriction = awaiting({
  id: 'network.no-ip-restriction',
  title: 'A firewall restricts who may reach the Redis ports',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 9',
  sources: ['host'],
  remediation: 'Allow the Redis ports only from the application hosts with nftables/iptables (or a security group / NetworkPolicy).',
}, 'host');

export const tlsKeyFilePermissions = awaiting({
  id: 'tls.key-file-permissions',
  title: 'TLS private keys are mode 400 and owned by the redis user',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 6',
  sources: ['host'],
  remediation: 'chown redis and chmod 400 the files named by tls-key-file and tls-client-key-file.',
}, 'host');

export const tlsCertificate = awaiting({
  id: 'tls.certificate',
  title: 'The server certificate is valid, not about to expire, and uses a strong key',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS (beyond)',
  sources: ['probe', 'config'],
  remediation: 'Renew the certificate before it expires, with an RSA key of at least 2048 bits or an EC key of at least 256 bits.',
}, 'probe');
