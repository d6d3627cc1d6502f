import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, sentinelFix } from '../util.ts';
import { clipped } from '../../util/shown.ts';

/** SENTINEL CONFIG SET takes loglevel from 7.2 (redis@7.2.6 sentinel.c sentinelConfigSetCommand), and saves it to sentinel.conf. */
const SENTINEL_7_2 = 'Set `loglevel notice` with `SENTINEL CONFIG SET loglevel notice` (the sentinel saves it to sentinel.conf).';
const SENTINEL = 'Set `loglevel notice` in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET takes loglevel only from 7.2).';

/**
 * What the level leaves out of the log (QA44-4). A data node logs at notice (redis@7.2.6 replication.c, module.c):
 * `REPLICAOF … enabled (user request from …)`, `MASTER MODE enabled`, replica synchronisations, module loads; client
 * connections only at verbose. A Sentinel logs failovers, +sdown/+odown, +monitor and +set at warning, and at notice
 * (sentinel.c sentinelEvent) the replicas and sentinels it discovers (+slave, +sentinel), +reboot, +convert-to-slave
 * and +fix-slave-config: how a rogue replica or sentinel joining shows.
 */
function lost(level: string, sentinel: boolean): string {
  if (level === 'nothing') return 'nothing is logged, not even warnings';
  return sentinel
    ? 'the replicas and sentinels it discovers (+slave, +sentinel), +reboot and +convert-to-slave events are not logged (they are at notice)'
    : 'REPLICAOF and MASTER MODE changes with the client that asked, replica synchronisations and module loads are not logged (they are at notice)';
}

export default defineRule({
  id: 'logging.loglevel-too-quiet',
  title: 'The log level records security-relevant events',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 3',
  sources: ['live', 'config'],
  remediation: 'Set `loglevel notice` (`CONFIG SET loglevel notice`, then CONFIG REWRITE).',
  requires: ['config'],
  check({ config, server }) {
    const level = config.get('loglevel');
    if (!level) return skip('loglevel is not reported by this server');
    if (level.value === 'warning' || level.value === 'nothing') {
      return fail({
        message: `loglevel is '${clipped(level.value)}': ${lost(level.value, server?.mode === 'sentinel')}`,
        source: level.source,
        ...sentinelFix(server, atLeast(server, 7, 2) === true ? SENTINEL_7_2 : SENTINEL),
      });
    }
    return pass(`loglevel is '${clipped(level.value)}'`, { source: level.source });
  },
});
