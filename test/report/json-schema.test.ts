import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonReporter } from '../../src/report/json.ts';
import { CONTEXT, sampleReport } from '../fixtures/reports/sample.ts';
import { errorsOf, jsonReportValidator } from './validators.ts';

describe('docs/json-report.schema.json', () => {
  const report = JSON.parse(jsonReporter(sampleReport(), CONTEXT)) as Record<string, unknown>;

  it('validates the JSON report, with suppressed and baselined results, a target error and warnings', () => {
    const validate = jsonReportValidator();
    assert.ok(validate(report), errorsOf(validate));
    assert.ok(Array.isArray(report['warnings']));
  });

  it('rejects what the contract does not say: a missing field, a new status, an undocumented field', () => {
    const validate = jsonReportValidator();
    const missing = structuredClone(report) as { summary: Record<string, unknown> };
    delete missing.summary['fail'];
    assert.equal(validate(missing), false);
    const status = structuredClone(report) as { targets: { results: { status: string }[] }[] };
    status.targets[0]!.results[0]!.status = 'warn';
    assert.equal(validate(status), false);
    const extra = structuredClone(report) as { targets: { results: Record<string, unknown>[] }[] };
    extra.targets[0]!.results[0]!['password'] = 'x';
    assert.equal(validate(extra), false);
  });

  it('takes a source declared by the user (--distro-package)', () => {
    const declared = structuredClone(report) as { targets: { results: Record<string, unknown>[] }[] };
    declared.targets[0]!.results[0]!['source'] = { kind: 'declared', detail: 'redis-server=5:7.0.15-1~deb12u10 declared by --distro-package' };
    const validate = jsonReportValidator();
    assert.ok(validate(declared), errorsOf(validate));
  });

  it('leaves warnings out when there are none', () => {
    const quiet = JSON.parse(jsonReporter({ ...sampleReport(), warnings: [] }, CONTEXT)) as Record<string, unknown>;
    assert.equal('warnings' in quiet, false);
    assert.ok(jsonReportValidator()(quiet));
  });
});
