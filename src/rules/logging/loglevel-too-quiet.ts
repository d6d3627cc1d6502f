import { defineRule, fail, pass, skip } from '../define.ts';

export default defineRule({
  id: 'logging.loglevel-too-quiet',
  title: 'The log level records security-relevant events',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 3',
  sources: ['live', 'config'],
  remediation: 'Set `loglevel notice` (`CONFIG SET loglevel notice`, then CONFIG REWRITE).',
  requires: ['config'],
  check({ config }) {
    const level = config.get('loglevel');
    if (!level) return skip('loglevel is not reported by this server');
    if (level.value === 'warning' || level.value === 'nothing') {
      return fail({ message: `loglevel is '${level.value}': connections, failovers and configuration changes are not logged`, source: level.source });
    }
    return pass(`loglevel is '${level.value}'`, { source: level.source });
  },
});
