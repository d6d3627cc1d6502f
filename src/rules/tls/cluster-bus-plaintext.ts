import { defineRule, fail, pass, skip } from '../define.ts';
import { unlessTls } from './common.ts';
import { clipped } from '../../util/shown.ts';

export default defineRule({
  id: 'tls.cluster-bus-plaintext',
  title: 'The cluster bus runs over TLS',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 7',
  sources: ['live', 'config'],
  remediation: 'Set `tls-cluster yes` on every node, with `cluster-port` at the bus port of today (7.0+; without it the bus moves to tls-port + 10000 at the restart). A node restarted with it and one without do not reach each other over the bus: restart every node together, or first `CONFIG SET tls-cluster yes` on every node (once `cluster-port` holds the bus), then restart them one at a time.',
  requires: ['config'],
  check({ config }) {
    const enabled = config.get('cluster-enabled');
    if (enabled?.value !== 'yes') return skip(`not a cluster node (cluster-enabled is '${clipped(enabled?.value ?? 'no')}')`);
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const bus = config.get('tls-cluster');
    if (bus?.value !== 'yes') {
      return fail({ message: `tls-cluster is '${clipped(bus?.value ?? 'no')}': gossip, failover votes and slot migrations cross the bus unencrypted and unauthenticated`, source: bus?.source });
    }
    return pass("tls-cluster is 'yes': the bus is encrypted and requires client certificates", { source: bus.source });
  },
});
