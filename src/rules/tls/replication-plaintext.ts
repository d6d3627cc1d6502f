import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';

export default defineRule({
  id: 'tls.replication-plaintext',
  title: 'Replication runs over TLS',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 5',
  sources: ['live', 'config'],
  remediation: 'Set `tls-replication yes` on every node (`CONFIG SET tls-replication yes`), with the masters reachable on their tls-port.',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const replication = config.get('tls-replication');
    if (replication?.value !== 'yes') {
      return fail({ message: `tls-replication is '${replication?.value ?? 'no'}': the full dataset and every write travel to replicas in clear text`, source: replication?.source });
    }
    return pass("tls-replication is 'yes'", { source: replication.source });
  },
});
