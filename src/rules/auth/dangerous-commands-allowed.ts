import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { analyzeDangerous } from '../../acl/permissions.ts';
import { canLogIn } from './users.ts';

/** How many command names a message quotes before it says "and N more". */
const SHOWN = 8;

function sample(commands: readonly string[]): string {
  const shown = commands.slice(0, SHOWN).join(', ');
  return commands.length > SHOWN ? `${shown} and ${commands.length - SHOWN} more` : shown;
}

export default defineRule({
  id: 'auth.dangerous-commands-allowed',
  title: 'No user gets @dangerous commands through a category',
  severity: 'high',
  section: 'Account',
  checklist: 'Account 3',
  sources: ['live', 'config'],
  remediation: 'End every user\'s command rules with `-@dangerous` (and `-@admin` on Redis 8, whose module commands are not all @dangerous), then grant single commands back by name where needed: `ACL SETUSER app -@dangerous +info`.',
  requires: ['acl', 'categories'],
  check({ acl, categories, files }) {
    if (!categories.categories.has('dangerous')) return skip('the @dangerous category of this server is unknown');
    if (acl.origin === 'requirepass') {
      return fail({
        message: 'the server has no ACL (Redis < 6): whoever knows the password runs every command, CONFIG, DEBUG and FLUSHALL included',
        source: acl.source,
      });
    }
    const findings: Finding[] = [];
    const granted: string[] = [];
    // The server's rewrite (7.0 ACL LIST) loses the rules as written: read them from the ACL file when it was read.
    const written = new Map(acl.rewritten ? (files?.users ?? []).map((u) => [u.name, u]) : []);
    for (const live of acl.users.filter(canLogIn)) {
      const fromFile = written.get(live.name);
      const user = fromFile ? { ...live, rules: fromFile.rules, selectors: fromFile.selectors, source: fromFile.source } : live;
      const report = analyzeDangerous(user, categories, { rewritten: acl.rewritten && !fromFile });
      if (report.viaCategory.length > 0) {
        const rules = [...new Set(report.viaCategory.map((g) => g.rule))];
        findings.push({
          message: `user '${user.name}' may run ${report.viaCategory.length} @dangerous command${report.viaCategory.length === 1 ? '' : 's'} through ${rules.join(', ')}: ${sample(report.viaCategory.map((g) => g.command))}`,
          source: user.source,
          evidence: report.viaCategory.map((g) => `${g.command} via ${g.rule}${g.selector !== undefined ? ` (selector ${g.selector + 1})` : ''}`),
        });
      }
      for (const grant of report.byName) granted.push(`user '${user.name}': ${grant.command} granted by ${grant.rule}`);
    }
    if (findings.length > 0) return fail(findings);
    return pass(
      granted.length === 0
        ? 'no enabled user may run a @dangerous command'
        : `no user gets @dangerous commands through a category; ${granted.length} granted one by one`,
      { source: acl.source, evidence: granted },
    );
  },
});
