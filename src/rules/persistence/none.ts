import { defineRule, fail, pass, skip } from '../define.ts';
import { PERSISTENCE_SAVE } from '../../profile/index.ts';
import { atLeast } from '../util.ts';
import { clipped } from '../../util/shown.ts';

/**
 * Before 7.0 a `save` line takes one pair: a one-line `save 3600 1 300 100 60 10000` in redis.conf is ignored and, as
 * the first save line, drops the default points (RDB off; real 6.0.20 and 6.2.16: CONFIG GET save is ''). And 6.0
 * started with a config file (or any option) keeps no default point unless the file names one (redis@6.0.20
 * src/server.c resetServerSaveParams). CONFIG SET save takes every pair at once on 6.x too.
 */
const BEFORE_7_0 = `Enable RDB with \`CONFIG SET save "${PERSISTENCE_SAVE}"\` then CONFIG REWRITE, or in redis.conf with one pair per line (${PERSISTENCE_SAVE.replace(/(\d+) (\d+)/g, '`save $1 $2`').replace(/` `/g, '`, `')}): before 7.0 a one-line \`save ${PERSISTENCE_SAVE}\` is ignored and leaves RDB off, and 6.0 started with a config file keeps no default save point; or enable AOF (\`appendonly yes\`), per your recovery point objective. A pure cache may suppress this rule with that reason.`;

export default defineRule({
  id: 'persistence.none',
  title: 'Data is persisted with RDB snapshots or an AOF',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 14',
  sources: ['live', 'config'],
  remediation: `Enable RDB (\`save ${PERSISTENCE_SAVE}\`: \`CONFIG SET save "${PERSISTENCE_SAVE}"\`) or AOF (\`appendonly yes\`), per your recovery point objective, then CONFIG REWRITE. A pure cache may suppress this rule with that reason.`,
  requires: ['config'],
  check({ config, server }) {
    if (server?.mode === 'sentinel') return skip('a sentinel keeps no data set: nothing to persist');
    const save = config.get('save');
    const aof = config.get('appendonly');
    const rdbOn = (save?.value.trim() ?? '') !== '';
    const aofOn = aof?.value === 'yes';
    if (!rdbOn && !aofOn) {
      return fail({
        message: "neither RDB nor AOF is enabled (save is '', appendonly is 'no'): a restart loses every key",
        source: save?.source ?? aof?.source,
        ...(atLeast(server, 7, 0) === false && { remediation: BEFORE_7_0 }),
      });
    }
    const methods = [rdbOn ? `RDB (save '${clipped(save?.value ?? '')}')` : undefined, aofOn ? `AOF (appendfsync ${clipped(config.get('appendfsync')?.value ?? 'everysec')})` : undefined].filter(Boolean);
    return pass(`persistence: ${methods.join(' and ')}`, { source: rdbOn ? save?.source : aof?.source });
  },
});
