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
