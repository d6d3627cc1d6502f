import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runAudit, runAuditDetailed } from '../../src/app/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { RULES } from '../../src/rules/index.ts';
import { loadSettings } from '../../src/settings/load.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// The one audit core: settings, suppressions and baselines apply to a library caller exactly as to the CLI.

after(stopAll);

describe('runAudit', () => {
  it('applies .redfort.yaml (rules off, severities, suppressions) to a live audit', async () => {
    const server = await startRedis({ conf: 'bind 0.0.0.0\nprotected-mode no' });
    const dir = await mkdtemp(join(tmpdir(), 'redfort-run-'));
    after(() => rm(dir, { recursive: true, force: true }));
    const url = `redis://127.0.0.1:${server.port}`;
    await writeFile(
      join(dir, '.redfort.yaml'),
      [
        'rules: { logging.no-logfile: off, network.bind-all-interfaces: low }',
        'suppressions:',
        `  - { rule: network.protected-mode-off, target: "${url}", reason: "lab box, OPS-1", expires: 2999-01-01 }`,
        '',
      ].join('\n'),
    );
    const settings = await loadSettings(join(dir, '.redfort.yaml'), RULES.map((r) => r.id));
    const target = resolveTarget(url, {}, {});
    const plain = await runAudit({ targets: [target], options: { noProbe: true, noHost: true } });
    const triaged = await runAudit({ targets: [target], settings, options: { noProbe: true, noHost: true } });
    const of = (report: typeof plain, id: string) => report.targets[0]!.results.filter((r) => r.ruleId === id);
    assert.equal(of(plain, 'network.bind-all-interfaces')[0]!.severity, 'high');
    assert.equal(of(triaged, 'network.bind-all-interfaces')[0]!.severity, 'low');
    assert.ok(of(plain, 'logging.no-logfile').length > 0);
    // A rule turned off is not judged, and says so and where (the library's runAudit as the CLI).
    assert.deepEqual(
      of(triaged, 'logging.no-logfile').map((r) => [r.status, r.disabled]),
      [['skip', { rule: 'logging.no-logfile', path: join(dir, '.redfort.yaml'), line: 1 }]],
    );
    assert.equal(triaged.summary.disabled, 1);
    assert.equal(plain.summary.disabled, undefined);
    const suppressed = of(triaged, 'network.protected-mode-off').filter((r) => r.status === 'fail');
    assert.ok(suppressed.length > 0 && suppressed.every((r) => r.suppressed?.reason === 'lab box, OPS-1'));
    assert.ok(of(plain, 'network.protected-mode-off').every((r) => r.suppressed === undefined));
  });

  it('records a baseline and judges the same run against it, for an audit of files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-run-'));
    after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'redis.conf'), 'bind 0.0.0.0\nprotected-mode no\n');
    const run = await runAuditDetailed({ files: { configPath: join(dir, 'redis.conf') }, recordBaseline: true, root: dir });
    assert.ok(run.recordedBaseline && run.recordedBaseline.findings.length > 0);
    const failing = run.report.targets[0]!.results.filter((r) => r.status === 'fail');
    assert.ok(failing.length > 0 && failing.every((r) => r.baselined === true));
    assert.equal(run.hostOnly, 0);
  });
});
