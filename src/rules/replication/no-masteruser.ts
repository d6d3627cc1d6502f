import { defineRule, fail, pass, skip } from '../define.ts';
import { infoField } from '../../gather/live/parse-replies.ts';

export default defineRule({
  id: 'replication.no-masteruser',
  title: 'Replicas authenticate to their master as a dedicated ACL user',
  severity: 'medium',
  section: 'Cluster extras',
  checklist: 'Cluster extras 1',
  sources: ['live', 'config'],
  remediation: 'Create a replication user on the master (`ACL SETUSER replica-user on >… -@all +psync +replconf +ping`) and set `masteruser replica-user` and `masterauth …` on every replica (`CONFIG SET masteruser …`, then CONFIG REWRITE).',
  requires: ['config'],
  check({ config, secrets, info, server }) {
    if (server?.mode === 'sentinel') return skip('a sentinel does not replicate: see sentinel.no-auth-user for how it reaches masters');
    const masteruser = config.get('masteruser');
    const masterauth = secrets?.get('masterauth');
    const role = info ? infoField(info, 'role') : undefined;
    const replicaof = config.get('replicaof')?.value.trim() ?? '';
    const isReplica = role === 'slave' || (role === undefined && replicaof !== '');
    const hasUser = (masteruser?.value ?? '') !== '';
    const hasAuth = masterauth?.value.set === true;
    if (hasAuth && !hasUser) {
      return fail({
        message: `masterauth is set but masteruser is '': ${isReplica ? 'this replica authenticates' : 'this node, once it replicates after a failover, authenticates'} to its master as the all-powerful default user`,
        source: masteruser?.source ?? masterauth?.source,
      });
    }
    if (!isReplica) {
      return hasUser
        ? pass(`not a replica now; masteruser '${masteruser?.value}' is ready for a failover`, { source: masteruser?.source })
        : skip('not a replica (role master), and no replication credentials are configured');
    }
    if (hasUser && hasAuth) return pass(`this replica authenticates to its master as '${masteruser?.value}'`, { source: masteruser?.source });
    const link = info ? infoField(info, 'master_link_status') : undefined;
    if (!hasAuth) {
      if (link === 'up') {
        return pass('this replica sends no credentials and its link is up: the master does not require authentication (see auth.no-authentication on the master)', { source: masteruser?.source });
      }
      return fail({
        message: `this replica has no masterauth and its master link is '${link ?? 'unknown'}': if the master requires a password, replication cannot authenticate`,
        source: config.get('replicaof')?.source ?? masteruser?.source,
      });
    }
    return pass(`masteruser '${masteruser?.value}'`, { source: masteruser?.source });
  },
});
