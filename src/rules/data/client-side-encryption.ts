import type { SampleFacts } from '../../facts/types.ts';
import { listed } from '../../util/words.ts';
import type { Finding } from '../define.ts';
import { SEVERITIES, defineRule, fail, pass, skip } from '../define.ts';
import type { DetectorId } from '../../sample/detectors.ts';
import { detector } from '../../sample/detectors.ts';

const MANUAL =
  "which data is sensitive is the owner's call: check that secrets and personal data are encrypted by the application before they are written (or run with --sample-data for evidence from a sample of the keyspace)";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `1,000 sampled keys of db0 and db1` */
function coverage(sample: SampleFacts): string {
  const keys = sample.databases.reduce((sum, d) => sum + d.keys, 0);
  const dbs = sample.databases.filter((d) => d.keys > 0).map((d) => `db${d.db}`);
  const where = dbs.length === 0 ? '' : ` of ${listed(dbs)}`;
  const node = sample.replica ? ` (read on the replica ${sample.node})` : '';
  return `${plural(keys, 'sampled key')}${where}${node}`;
}

function protectedValues(sample: SampleFacts): string {
  const encrypted = sample.databases.reduce((sum, d) => sum + d.encrypted, 0);
  const hashed = sample.databases.reduce((sum, d) => sum + d.hashed, 0);
  const parts = [`${plural(encrypted, 'key')} ${encrypted === 1 ? 'looks' : 'look'} encrypted`];
  if (hashed > 0) parts.push(`${plural(hashed, 'key')} hold${hashed === 1 ? 's' : ''} hashes`);
  return parts.join(', ');
}

function limits(sample: SampleFacts): string {
  return sample.stopped ? `; sampling stopped early: ${sample.stopped}` : '';
}

export default defineRule({
  id: 'data.client-side-encryption',
  title: 'Sensitive values are encrypted by the client',
  severity: 'info',
  section: 'Foundation',
  checklist: 'Foundation 10',
  sources: [],
  remediation: 'Encrypt sensitive values in the application before they reach Redis (envelope encryption with a KMS), so RDB/AOF files, replicas and backups never hold them in clear text.',
  requires: [],
  check(facts) {
    const sample = facts.sample;
    if (!sample) {
      // Sampling was asked for but could not run (no permission, …): that is a skip, not the usual manual item.
      const why = facts.unavailable.sample;
      return why ? skip(why) : { status: 'manual', message: MANUAL };
    }
    const keys = sample.databases.reduce((sum, d) => sum + d.keys, 0);
    if (keys === 0) {
      const notes = [...sample.notes, ...(sample.stopped ? [sample.stopped] : [])];
      return skip(`the sample read no key${notes.length > 0 ? `: ${notes.join('; ')}` : ''}`);
    }
    if (sample.findings.length === 0) {
      return pass(`no plaintext sensitive value in ${coverage(sample)}; ${protectedValues(sample)}${limits(sample)}. A sample is not proof: keys outside it were not read`, {
        source: sample.source,
        evidence: sample.notes,
      });
    }
    const oneDb = new Set(sample.findings.map((f) => f.db)).size === 1;
    const byDetector = new Map<string, { keys: number; patterns: string[]; lines: string[] }>();
    for (const f of [...sample.findings].sort((a, b) => b.keys - a.keys)) {
      const entry = byDetector.get(f.detector) ?? { keys: 0, patterns: [], lines: [] };
      entry.keys += f.keys;
      entry.patterns.push(oneDb ? f.pattern : `db${f.db} ${f.pattern}`);
      entry.lines.push(`db${f.db} ${f.pattern}: ${plural(f.keys, 'key')}`);
      byDetector.set(f.detector, entry);
    }
    const findings: Finding[] = [...byDetector]
      .map(([id, { keys: n, patterns, lines }]) => {
        const d = detector(id as DetectorId);
        const shown = patterns.slice(0, 10);
        return {
          message: `${d?.name ?? id} in clear text in ${plural(n, 'key')} of ${coverage(sample)} (${shown.join(', ')}${patterns.length > shown.length ? ', …' : ''})`,
          severity: d?.severity ?? 'high',
          source: sample.source,
          evidence: [`detector: ${id}`, ...lines],
        };
      })
      .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    return fail(findings);
  },
});
