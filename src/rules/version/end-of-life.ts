import { defineRule, fail, pass, skip } from '../define.ts';
import { branches } from '../../version/advisories.ts';
import type { BranchSupport } from '../../version/advisories.ts';
import { compare, toTriple } from '../../version/range.ts';
import { isVerdict, knownVersion } from './server-version.ts';

function findBranch(product: string, branch: string): BranchSupport | undefined {
  const exact = branches().find((b) => b.product === product && b.branch === branch);
  if (exact) return exact;
  // `<=4.0` covers every older branch.
  const t = toTriple(branch);
  return branches().find((b) => {
    if (b.product !== product || !b.branch.startsWith('<=')) return false;
    const bound = toTriple(b.branch.slice(2));
    return t !== undefined && bound !== undefined && compare(t, bound) <= 0;
  });
}

/** The first ISO date in a free-text field (`2027-04-01`, `until ~2026-11-25`). */
function firstDate(text: string | null | undefined): number | undefined {
  const match = /(\d{4}-\d{2}-\d{2})/.exec(text ?? '');
  return match ? Date.parse(`${match[1]}T00:00:00Z`) / 1000 : undefined;
}

export default defineRule({
  id: 'version.end-of-life',
  title: 'The release branch still receives security fixes',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 8',
  sources: ['live', 'host'],
  remediation: 'Upgrade to a supported branch (Redis 7.2, 7.4, 8.2 or later; Valkey 7.2 or later) and keep to its latest patch release.',
  requires: ['server'],
  check({ server, now }, { nowSeconds }) {
    const known = knownVersion(server);
    if (isVerdict(known)) return known;
    const record = findBranch(known.product, known.branch);
    if (!record) return skip(`no support data for ${known.product} ${known.branch}: its status is unknown`);
    // The later of the server's clock and redfort's: a server (or a proxy, or a VM) whose clock is behind must not
    // make an ended branch look supported.
    const today = Math.max(now?.value ?? nowSeconds, nowSeconds);
    const status = record.status_late_2026;
    const until = /until ~?(\d{4}-\d{2}-\d{2})/.exec(status)?.[1];
    const eol = firstDate(record.end_of_life);
    const unsupported = /^(unsupported|end of support)/i.test(status);
    const expired = (until !== undefined && Date.parse(`${until}T00:00:00Z`) / 1000 < today) || (eol !== undefined && /^\d{4}-/.test(record.end_of_life ?? '') && eol < today);
    const label = `${known.product === 'valkey' ? 'Valkey' : 'Redis'} ${known.branch}`;
    if (unsupported || expired) {
      // An end of life the data gives as no date ("TBD in table; policy: 6 months after 8.8 GA (2026-05-25)") read
      // "no longer receives security fixes (end of life: TBD …)": the date its support ended by policy comes first.
      const ended = /^\d{4}-/.test(record.end_of_life ?? '') ? undefined : /(~?\d{4}-\d{2}-\d{2})/.exec(status)?.[1];
      return fail({
        message: `${label} (running ${known.version}) no longer receives security fixes (${ended ? `support ended ${ended} by its release policy; ` : ''}end of life: ${record.end_of_life ?? 'unknown'})`,
        source: server.source,
        evidence: [status, ...record.sources],
      });
    }
    return pass(`${label} is supported (${status}; end of life ${record.end_of_life ?? 'not announced'})`, { source: server.source, evidence: [...record.sources] });
  },
});
