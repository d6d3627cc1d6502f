import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { ROOT, build, runNode } from './report/cli-run.ts';

// What an audit through the built library loads of Node (issue 15: load only what a run needs). node:crypto costs
// a cold start some milliseconds: an audit hashes its findings' fingerprints and passwords in JavaScript instead
// (src/util/hash.ts), and loads node:crypto only for what needs it (a certificate, a random name, a long text).
after(stopAll);

/** Audits `url` with the library (host facts and probes, the defaults) in a fresh node; the report and Node's modules it loaded. */
async function auditInFreshNode(url: string, pass?: string): Promise<{ report: { targets: { error?: string; results: { ruleId: string; status: string; findings?: { message: string }[] }[] }[] }; modules: string[] }> {
  const script = `
    const { runAudit, resolveTarget } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.mjs'))});
    const target = resolveTarget(${JSON.stringify(url)}, ${JSON.stringify(pass === undefined ? {} : { pass })}, {});
    const report = await runAudit({ targets: [target] });
    const modules = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    process.stdout.write(JSON.stringify({ report, modules }));
  `;
  const run = await runNode(['--input-type=module', '-e', script]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('what an audit loads of Node', () => {
  let plain: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    await build();
    [plain, guarded] = await Promise.all([startRedis(), startRedis({ conf: 'requirepass abc', password: 'abc' })]);
  });

  it('an audit of a server without a password fingerprints its findings without node:crypto', async () => {
    const { report, modules } = await auditInFreshNode(plain.url);
    const target = report.targets[0]!;
    assert.equal(target.error, undefined);
    assert.ok(target.results.some((r) => r.status === 'fail'), 'there are findings to fingerprint');
    assert.ok(modules.includes('net'), `net is in the list: ${modules.join(' ')}`);
    assert.equal(modules.includes('crypto'), false, 'node:crypto was loaded');
  });

  it('an audit with a password digests it, and finds it short, without node:crypto', async () => {
    const { report, modules } = await auditInFreshNode(guarded.url, 'abc');
    const target = report.targets[0]!;
    assert.equal(target.error, undefined);
    const weak = target.results.find((r) => r.ruleId === 'auth.weak-password');
    assert.equal(weak?.status, 'fail', JSON.stringify(weak));
    assert.equal(modules.includes('crypto'), false, 'node:crypto was loaded');
  });
});
