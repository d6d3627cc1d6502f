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

/** Whether a branch no longer receives security fixes as of `today` (unix seconds), by its record. */
function supportEnded(record: BranchSupport, today: number): boolean {
  const status = record.status_late_2026;
  const until = /until ~?(\d{4}-\d{2}-\d{2})/.exec(status)?.[1];
  const eol = firstDate(record.end_of_life);
  if (/^(unsupported|end of support)/i.test(status)) return true;
  return (until !== undefined && Date.parse(`${until}T00:00:00Z`) / 1000 < today) || (eol !== undefined && /^\d{4}-/.test(record.end_of_life ?? '') && eol < today);
}

const PRODUCT_NAME = { redis: 'Redis', valkey: 'Valkey' } as const;

/** The branches of a product that still receive security fixes as of `today`, oldest first. */
function supportedBranches(product: 'redis' | 'valkey', today: number): string[] {
  const triple = (branch: string) => toTriple(branch) ?? [0, 0, 0];
  return branches()
    .filter((b) => b.product === product && !b.branch.startsWith('<=') && !supportEnded(b, today))
    .map((b) => b.branch)
    .sort((a, b) => compare(triple(a), triple(b)));
}

/**
 * What to upgrade to, from the branch support data as of the audit's date: the running product's supported
 * branches (those newer than the running one named), then the other product's.
 */
function upgradeTo(product: 'redis' | 'valkey', branch: string, today: number): string {
  const day = new Date(today * 1000).toISOString().slice(0, 10);
  const own = supportedBranches(product, today);
  const other: 'redis' | 'valkey' = product === 'redis' ? 'valkey' : 'redis';
  const others = supportedBranches(other, today);
  // The upgrades first: a supported branch older than the running one (6.2 beside 7.0) is named after them.
  const running = toTriple(branch);
  const isNewer = (b: string) => { const t = toTriple(b); return running !== undefined && t !== undefined && compare(t, running) > 0; };
  const newer = own.filter(isNewer);
  const older = own.filter((b) => !isNewer(b));
  const list = (names: readonly string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
  const mine = newer.length > 0 && older.length > 0 ? `${list(newer)} (newer than ${branch}; still supported too: ${older.join(', ')})` : list(own);
  const parts = [...(own.length > 0 ? [`${PRODUCT_NAME[product]} ${mine}`] : []), ...(others.length > 0 ? [`${PRODUCT_NAME[other]} ${list(others)}`] : [])];
  if (parts.length === 0) return `No branch still receives security fixes as of ${day} by redfort's branch support data: check the projects' security policies for a supported release.`;
  return `Upgrade to a branch that still receives security fixes as of ${day} (redfort's branch support data): ${parts.join('; ')}; and keep to its latest patch release.`;
}

/** What the branch support data says of one branch on one day: found once per product, branch and second. */
interface BranchVerdict {
  readonly record: BranchSupport | undefined;
  readonly ended: boolean;
  /** {@link upgradeTo}'s text, when the branch's support has ended. */
  readonly remediation?: string;
}

/**
 * Each product, branch and `today` (unix seconds) judged: a fleet runs a few branches, and its servers' clocks give a
 * few seconds in a run, while finding the branch and naming what to upgrade to (every branch's record read again) was
 * most of the rule's cost per target. Bounded, started afresh when full.
 */
const BY_BRANCH = new Map<string, BranchVerdict>();

function branchVerdict(product: 'redis' | 'valkey', branch: string, today: number): BranchVerdict {
  const key = `${product}\0${branch}\0${today}`;
  let found = BY_BRANCH.get(key);
  if (found) return found;
  const record = findBranch(product, branch);
  const ended = record !== undefined && supportEnded(record, today);
  found = ended ? { record, ended, remediation: upgradeTo(product, branch, today) } : { record, ended };
  if (BY_BRANCH.size >= 256) BY_BRANCH.clear();
  BY_BRANCH.set(key, found);
  return found;
}

export default defineRule({
  id: 'version.end-of-life',
  title: 'The release branch still receives security fixes',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 8',
  sources: ['live', 'host'],
  remediation: 'Upgrade to a branch that still receives security fixes (each finding names them, from redfort\'s branch support data as of the audit\'s date) and keep to its latest patch release.',
  requires: ['server'],
  check({ server, now }, { nowSeconds }) {
    const known = knownVersion(server);
    if (isVerdict(known)) return known;
    // The later of the server's clock and redfort's: a server (or a proxy, or a VM) whose clock is behind must not
    // make an ended branch look supported.
    const today = Math.max(now?.value ?? nowSeconds, nowSeconds);
    const { record, ended, remediation } = branchVerdict(known.product, known.branch, today);
    if (!record) return skip(`no support data for ${known.product} ${known.branch}: its status is unknown`);
    const status = record.status_late_2026;
    const label = `${PRODUCT_NAME[known.product]} ${known.branch}`;
    if (ended) {
      // An end of life the data gives as no date ("TBD in table; policy: 6 months after 8.8 GA (2026-05-25)") read
      // "no longer receives security fixes (end of life: TBD …)": the date its support ended by policy comes first.
      const ended = /^\d{4}-/.test(record.end_of_life ?? '') ? undefined : /(~?\d{4}-\d{2}-\d{2})/.exec(status)?.[1];
      return fail({
        message: `${label} (running ${known.version}) no longer receives security fixes (${ended ? `support ended ${ended} by its release policy; ` : ''}end of life: ${record.end_of_life ?? 'unknown'})`,
        source: server.source,
        evidence: [status, ...record.sources],
        remediation: remediation!,
      });
    }
    return pass(`${label} is supported (${status}; end of life ${record.end_of_life ?? 'not announced'})`, { source: server.source, evidence: [...record.sources] });
  },
});
