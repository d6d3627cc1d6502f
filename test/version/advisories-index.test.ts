import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AdvisoryData, advisoriesAffecting, branches } from '../../src/version/advisories.ts';
import type { Advisory, AdvisoryEntry, AdvisoryIndex } from '../../src/version/advisories.ts';
import { advisoryIndexText, recordSpans } from '../../src/version/advisory-index.ts';
import { branchOf, satisfies, toTriple } from '../../src/version/range.ts';

const DATA = join(import.meta.dirname, '..', '..', 'data');
const bytes = readFileSync(join(DATA, 'advisories.json'));
const entries = JSON.parse(bytes.toString('utf8')) as AdvisoryEntry[];
const all = entries.filter((e): e is AdvisoryEntry & Advisory => e.record_type === 'vulnerability');

/** What the rule asked of the whole file before the index: the loop as it was, over every advisory. */
function expected(product: string, version: string, branch: string): unknown {
  const affecting: unknown[] = [];
  const unknownBranch: string[] = [];
  for (const advisory of all) {
    if (advisory.product !== product || !advisory.server_side || !advisory.range || advisory.config_only) continue;
    if (advisory.unknown_branches.some((b) => b === branch || b.startsWith(`${branch} `))) unknownBranch.push(advisory.id);
    if (!satisfies(version, advisory.range)) continue;
    affecting.push({ id: advisory.id, aliases: advisory.aliases ?? [], fixed: advisory.affected.find((a) => satisfies(version, a.range))?.fixed, advisory });
  }
  return { affecting, unknownBranch };
}

function asked(found: ReturnType<AdvisoryData['affecting']>): unknown {
  return { affecting: found.affecting.map((a) => ({ id: a.id, aliases: a.aliases, fixed: a.fixed, advisory: a.advisory() })), unknownBranch: found.unknownBranch };
}

/** Every version a bound of the data names, one patch either side, and a few more: both products. */
function versions(): string[] {
  const found = new Set(['7.0.15', '6.0.16', '8.0.2', '9.9.9', '0.0.1', '7.3.240']);
  for (const advisory of all) {
    for (const range of [advisory.range ?? '', ...advisory.affected.map((a) => a.range)]) {
      for (const bound of range.match(/\d+\.\d+\.\d+/g) ?? []) {
        const [major, minor, patch] = toTriple(bound)!;
        for (const p of [patch - 1, patch, patch + 1]) if (p >= 0) found.add(`${major}.${minor}.${p}`);
      }
    }
  }
  return [...found];
}

describe('data/advisories-index.json', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  /** A data directory with the advisory file and the index given (none when undefined). */
  function dataDir(index: string | undefined): string {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-advisories-'));
    dirs.push(dir);
    copyFileSync(join(DATA, 'advisories.json'), join(dir, 'advisories.json'));
    if (index !== undefined) writeFileSync(join(dir, 'advisories-index.json'), index);
    return dir;
  }

  it('is the index of data/advisories.json as it is (after changing the data: node --import tsx scripts/advisories-index.ts)', () => {
    assert.equal(readFileSync(join(DATA, 'advisories-index.json'), 'utf8'), advisoryIndexText(bytes));
  });

  it("points at each record's own bytes", () => {
    const spans = recordSpans(bytes);
    assert.equal(spans.length, entries.length);
    spans.forEach(([at, length], i) => assert.deepEqual(JSON.parse(bytes.toString('utf8', at, at + length)), entries[i]));
    // Braces and quotes inside strings are not records.
    assert.deepEqual(recordSpans(Buffer.from('[{"a":"}{\\"["},\n {"b":[{"c":1}]}]')), [[1, 13], [17, 15]]);
  });

  it('an audit finds, through the index, the advisories and fixes the whole file gives, for every version the data names', () => {
    const products = ['redis', 'valkey'];
    let affected = 0;
    for (const version of versions()) {
      for (const product of products) {
        const branch = branchOf(version)!;
        const want = expected(product, version, branch);
        assert.deepEqual(asked(advisoriesAffecting(product, version, branch)), want, `${product} ${version}`);
        affected += (want as { affecting: unknown[] }).affecting.length;
      }
    }
    assert.ok(affected > 100, `only ${affected} affected versions: the comparison means little`);
    assert.deepEqual(branches(), entries.filter((e) => e.record_type === 'branch_support'));
  });

  it('reads each record once, however many targets ask for it (a fleet asked the same ones once per target)', () => {
    const dir = dataDir(advisoryIndexText(bytes));
    const data = new AdvisoryData(dir);
    const first = data.affecting('redis', '7.0.15', '7.0').affecting.map((a) => a.advisory());
    const byId = data.byId('CVE-2022-0543');
    assert.ok(first.length > 0 && byId);
    // The file under the index is gone: a record read again would throw (no bytes at its span, no whole file).
    writeFileSync(join(dir, 'advisories.json'), '');
    const again = data.affecting('redis', '7.0.15', '7.0').affecting.map((a) => a.advisory());
    assert.equal(again.length, first.length);
    again.forEach((a, i) => assert.equal(a, first[i], a.id));
    assert.equal(data.byId('CVE-2022-0543'), byId);
  });

  it('without an index, with another file\'s, or with one whose spans are wrong, the answers are the same', () => {
    const index = JSON.parse(advisoryIndexText(bytes)) as AdvisoryIndex;
    const shifted = { ...index, branches: index.branches.map(([at, length]) => [at + 1, length]), vulnerabilities: index.vulnerabilities.map((v, i) => ({ ...v, at: index.vulnerabilities[(i + 1) % index.vulnerabilities.length]!.at })) };
    const cases = {
      missing: undefined,
      'not JSON': '{',
      "another file's": JSON.stringify({ ...index, bytes: index.bytes + 1 }),
      'wrong spans': JSON.stringify(shifted),
    };
    for (const [name, text] of Object.entries(cases)) {
      for (const version of ['7.0.15', '2.8.20', '6.2.6']) {
        const data = new AdvisoryData(dataDir(text));
        assert.deepEqual(asked(data.affecting('redis', version, branchOf(version)!)), expected('redis', version, branchOf(version)!), `${name}: ${version}`);
        assert.deepEqual(data.branches(), entries.filter((e) => e.record_type === 'branch_support'), name);
        assert.equal(data.byId('CVE-2022-0543')?.id, 'CVE-2022-0543', name);
      }
    }
  });
});

// QA45-55: nothing told how old the advisory data is (a Trivy user reads its database's date in every run): the
// data's `dataset` record has the day it was compiled and the day it last changed, and every JSON report names both.
describe('the advisory data says how old it is', () => {
  it("the dataset record's dates are in the index and in a report's tool", async () => {
    const dataset = entries.find((e) => e.record_type === 'dataset');
    assert.ok(dataset && dataset.record_type === 'dataset', 'data/advisories.json has no dataset record');
    assert.match(dataset.compiled, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(dataset.updated, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(dataset.updated >= dataset.compiled, `${dataset.updated} before ${dataset.compiled}`);
    const index = JSON.parse(readFileSync(join(DATA, 'advisories-index.json'), 'utf8')) as AdvisoryIndex;
    assert.deepEqual(index.dataset, { compiled: dataset.compiled, updated: dataset.updated });
    const { auditFiles, reportOf } = await import('../../src/app/audit.ts');
    const dir = mkdtempSync(join(tmpdir(), 'redfort-advdate-'));
    try {
      writeFileSync(join(dir, 'redis.conf'), 'port 6379\n');
      const report = reportOf([await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' })]);
      assert.deepEqual(report.tool.advisories, { compiled: dataset.compiled, updated: dataset.updated });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
