import { defineRule, fail, pass, skip } from '../define.ts';
import { PERSISTENCE_SAVE } from '../../profile/index.ts';

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
      });
    }
    const methods = [rdbOn ? `RDB (save '${save?.value}')` : undefined, aofOn ? `AOF (appendfsync ${config.get('appendfsync')?.value ?? 'everysec'})` : undefined].filter(Boolean);
    return pass(`persistence: ${methods.join(' and ')}`, { source: rdbOn ? save?.source : aof?.source });
  },
});
