import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { ROOT, build, runNode } from './report/cli-run.ts';

// What an audit through the built library loads of Node (issue 15: load only what a run needs). node:crypto costs
// a cold start some milliseconds: it is loaded at the first digest (src/util/hash.ts, src/util/builtin.ts), which an
// audit in text needs none of (an unset secret's digest is known), and a JSON report's fingerprints do.
after(stopAll);

interface Outcome {
  readonly text: string;
  readonly json: { targets: { error?: string; results: { status: string; fingerprint?: string; findings?: { fingerprint?: string }[] }[] }[] };
  /** Whether node:crypto was loaded after the audit, and after the JSON report was written. */
  readonly cryptoAfterAudit: boolean;
  readonly cryptoAfterJson: boolean;
}

/** Audits `url` with the library (host facts and probes, the defaults) in a fresh node, then writes the text and JSON reports. */
async function auditInFreshNode(url: string, pass?: string): Promise<Outcome> {
  const script = `
    const { runAudit, resolveTarget, REPORTERS, RULES } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.mjs'))});
    const crypto = () => process.moduleLoadList.includes('NativeModule crypto');
    const target = resolveTarget(${JSON.stringify(url)}, ${JSON.stringify(pass === undefined ? {} : { pass })}, {});
    const report = await runAudit({ targets: [target] });
    const text = REPORTERS.get('text')(report, { rules: RULES, color: false, root: process.cwd() });
    const cryptoAfterAudit = crypto();
    const json = JSON.parse(REPORTERS.get('json')(report, { rules: RULES, color: false, root: process.cwd() }));
    process.stdout.write(JSON.stringify({ text, json, cryptoAfterAudit, cryptoAfterJson: crypto() }));
  `;
  const run = await runNode(['--input-type=module', '-e', script]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Outcome;
}

describe('what an audit loads of Node', () => {
  let plain: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    await build();
    [plain, guarded] = await Promise.all([startRedis(), startRedis({ conf: 'requirepass abc', password: 'abc' })]);
  });

  it('an audit of a server without a password, in text, loads no node:crypto; its JSON report does, for fingerprints', async () => {
    const outcome = await auditInFreshNode(plain.url);
    assert.equal(outcome.json.targets[0]!.error, undefined);
    assert.ok(outcome.text.includes('FAIL') || /fail/i.test(outcome.text), 'the text report has failures');
    assert.equal(outcome.cryptoAfterAudit, false, 'node:crypto was loaded by the audit or its text report');
    assert.match(JSON.stringify(outcome.json), /"fingerprint":"[0-9a-f]{32}"/);
    assert.equal(outcome.cryptoAfterJson, true, 'the fingerprints were made without node:crypto?');
  });

  it('an audit with a password loads node:crypto to digest it, and finds it short', async () => {
    const outcome = await auditInFreshNode(guarded.url, 'abc');
    assert.equal(outcome.json.targets[0]!.error, undefined);
    assert.equal(outcome.cryptoAfterAudit, true);
    assert.ok(outcome.text.includes('auth.weak-password'), outcome.text);
  });
});
