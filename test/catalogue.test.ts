import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Rule } from '../src/rules/define.ts';
import { SEVERITIES } from '../src/rules/define.ts';
import * as awaitingSources from '../src/rules/awaiting-sources.ts';
import { RULES } from '../src/rules/index.ts';

const ROOT = new URL('../', import.meta.url);
const CATALOGUE = new URL('../docs/catalogue.md', import.meta.url);
const ID = /^[a-z]+\.[a-z0-9-]+$/;

interface Row {
  readonly id: string;
  readonly checklist: string;
  readonly severity: string;
  readonly sources: readonly string[];
}

/** The `| id | checklist item | default severity | sources | fails when |` rows of docs/catalogue.md. */
function catalogueRows(): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(CATALOGUE, 'utf8').split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const [id, checklist, severity, sources] = cells;
    if (id === undefined || !ID.test(id) || checklist === undefined || severity === undefined || sources === undefined) continue;
    // `(manual)` means no source can judge it.
    const kinds = sources.startsWith('(') ? [] : sources.split(',').map((s) => s.trim());
    rows.push({ id, checklist, severity, sources: kinds });
  }
  return rows;
}

const rows = catalogueRows();
const byId = new Map(rows.map((r) => [r.id, r]));
const awaiting = new Set(
  Object.values(awaitingSources)
    .filter((v): v is Rule => typeof v === 'object' && v !== null && 'id' in v)
    .map((r) => r.id),
);
const sorted = (xs: readonly string[]) => [...xs].sort();

function fileOf(id: string, suffix: string): URL {
  const [area, name] = id.split('.') as [string, string];
  return new URL(`src/rules/${area}/${name}${suffix}`, ROOT);
}

describe('the rule catalogue', () => {
  it('parses the catalogue table', () => {
    assert.ok(rows.length >= 39, `only ${rows.length} rows read from ${fileURLToPath(CATALOGUE)}`);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'duplicate ids in the catalogue');
  });

  it('RULES holds every catalogue id, plus only well-formed additions', () => {
    const ids = RULES.map((r) => r.id);
    const missing = rows.map((r) => r.id).filter((id) => !ids.includes(id));
    assert.deepEqual(missing, [], 'catalogue rules missing from RULES (ids are never dropped)');
    // `config` is the project's area for rules across sources or nodes (config.runtime-drift, config.inconsistent-nodes).
    const areas = new Set([...rows.map((r) => r.id.split('.')[0]), 'config']);
    for (const id of ids.filter((i) => !byId.has(i))) {
      assert.ok(areas.has(id.split('.')[0]), `project addition ${id} is not in a catalogue area`);
    }
  });

  it('ids are unique and well-formed', () => {
    const ids = RULES.map((r) => r.id);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'duplicate rule ids');
    for (const id of ids) assert.match(id, ID);
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      const row = byId.get(rule.id);

      it('has the metadata a report needs', () => {
        assert.ok(SEVERITIES.includes(rule.severity), `severity '${rule.severity}'`);
        assert.ok(rule.title.length > 0 && rule.remediation.length > 0);
        assert.ok(rule.checklist.startsWith(rule.section), `checklist '${rule.checklist}' is not in section '${rule.section}'`);
      });

      if (row) {
        it('matches its catalogue row (severity, checklist item, sources)', () => {
          // `per CVE` names no level: each finding carries its own.
          if (SEVERITIES.some((level) => row.severity.startsWith(level))) {
            assert.ok(row.severity.startsWith(rule.severity), `catalogue severity '${row.severity}', rule '${rule.severity}'`);
          }
          assert.equal(rule.checklist, row.checklist);
          assert.deepEqual(sorted(rule.sources), sorted(row.sources));
        });
      }

      if (!awaiting.has(rule.id)) {
        it('has its rule file and test table next to it', () => {
          assert.ok(existsSync(fileOf(rule.id, '.ts')), `missing ${fileURLToPath(fileOf(rule.id, '.ts'))}`);
          assert.ok(existsSync(fileOf(rule.id, '.test.ts')), `missing ${fileURLToPath(fileOf(rule.id, '.test.ts'))}`);
        });
      }

      it('has a doc page', () => {
        const doc = new URL(`docs/rules/${rule.id}.md`, ROOT);
        assert.ok(existsSync(doc), `missing ${fileURLToPath(doc)}`);
      });

      it('its doc page is titled and tabled as the rule (what `explain`, `rules`, JSON and SARIF show)', () => {
        const doc = readFileSync(new URL(`docs/rules/${rule.id}.md`, ROOT), 'utf8');
        assert.equal(doc.split('\n', 1)[0], `# ${rule.id}: ${rule.title}`);
        const cell = (name: string) => new RegExp(`^\\| ${name} \\| ([^|]+) \\|$`, 'm').exec(doc)?.[1]?.trim();
        // A severity cell may explain per-finding levels after the rule's own (`medium (high when ...)`, `per advisory ...`).
        const severity = cell('Severity') ?? '';
        assert.ok(severity.startsWith(rule.severity) || severity.startsWith('per '), `Severity '${severity}', rule '${rule.severity}'`);
        // `(manual)` means no source can judge it.
        const sources = cell('Sources') ?? '';
        if (rule.sources.length > 0) assert.deepEqual(sorted(sources.split(',').map((s) => s.trim())), sorted(rule.sources));
        else assert.match(sources, /^\(manual\)/);
      });
    });
  }
});

/** The `| [`id`](docs/rules/id.md) | checklist | severity | judged from |` rows of the README's Rules section. */
function readmeRows(): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(new URL('README.md', ROOT), 'utf8').split('\n')) {
    const m = /^\| \[`([a-z]+\.[a-z0-9-]+)`\]\(docs\/rules\/\1\.md\) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
    if (m === null) continue;
    const sources = m[4]!.trim();
    rows.push({ id: m[1]!, checklist: m[2]!.trim(), severity: m[3]!.trim(), sources: sources === 'manual' ? [] : sources.split(',').map((s) => s.trim()) });
  }
  return rows;
}

describe("the README's rule table", () => {
  const readme = readmeRows();
  it('lists every rule once', () => {
    assert.deepEqual(sorted(readme.map((r) => r.id)), sorted(RULES.map((r) => r.id)));
  });
  for (const row of readme) {
    it(`${row.id}: the checklist item, severity and sources of the rule`, () => {
      const rule = RULES.find((r) => r.id === row.id);
      assert.ok(rule, `${row.id} is not a rule`);
      assert.deepEqual(
        { checklist: row.checklist, severity: row.severity, sources: sorted(row.sources) },
        { checklist: rule.checklist, severity: rule.severity, sources: sorted(rule.sources) },
      );
    });
  }
});
