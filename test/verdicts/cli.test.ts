import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, runCli } from '../report/cli-run.ts';

// Issue 11, reports people can act on: the CLI side, on the built CLI.
describe('redfort CLI (issue 11)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-cli11-'));
  before(build);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rules has a header row', async () => {
    const r = await runCli(['rules']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^RULE +SEVERITY +CHECKLIST +SOURCES +TITLE$/);
    // Each row names the rule's sources as the JSON listing does (issue 7: id, title, severity, checklist item, sources; QA38-25).
    const json = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout) as { id: string; sources: string[]; title: string }[];
    const rows = r.stdout.trimEnd().split('\n').slice(1);
    assert.equal(rows.length, json.length);
    json.forEach((rule, i) => assert.match(rows[i]!, new RegExp(`^${rule.id.replace(/\./g, '\\.')} .* ${rule.sources.join(',') || '-'} +${rule.title.slice(0, 10).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), rows[i]));
  });

  it('explain renders the Markdown for a terminal; --format markdown prints the page as written', async () => {
    const text = await runCli(['explain', 'auth.weak-password']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /```|\*\*|^#+ /m);
    assert.match(text.stdout, /^Why it matters$/m);
    const raw = await runCli(['explain', 'auth.weak-password', '--format', 'markdown']);
    assert.match(raw.stdout, /^## Why it matters$/m);
  });

  it('explain renders every rule page: fences inside list items too, relative links from the package root', async () => {
    const ids = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout) as { id: string }[];
    assert.ok(ids.length > 40);
    // Four CLI processes at a time: one per page in a row cost some 15 s of the suite.
    const queue = ids.map(({ id }) => id);
    const renderNext = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const page = await runCli(['explain', id]);
        assert.equal(page.code, 0, page.stderr);
        assert.doesNotMatch(page.stdout, /```|\*\*|^#+ /m, id);
        assert.doesNotMatch(page.stdout, /\(\.\.\//, `${id}: a link relative to docs/rules/`);
      }
    };
    await Promise.all([renderNext(), renderNext(), renderNext(), renderNext()]);
    assert.equal(queue.length, 0);
    const acl = await runCli(['explain', 'auth.acl-file-missing']);
    // The console block of step 1 stays under its item, indented as code.
    assert.match(acl.stdout, /^1\. Write the current users to a file\..*\n {7}redis-cli --user admin --askpass ACL LIST > \/etc\/redis\/users\.acl$/m);
    assert.match(acl.stdout, /writes this fix into a reviewed copy of your files, starts it and re-audits it \(docs\/harden\.md\)/);
  });

  it('reboot-plan accepts --no-color', async () => {
    const r = await runCli(['reboot-plan', 'redis://127.0.0.1:1', '--no-color', '--connect-timeout', '500']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /unknown option/);
  });

  it('audits --config dir/redis.conf relative to where it runs (the CI use case)', async () => {
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'redis.conf'), 'port 6380\nprotected-mode yes\n');
    const r = await runCli(['audit', '--config', 'conf/redis.conf', '--redis-version', '7.0.15', '--format', 'json'], { cwd: dir });
    assert.notEqual(r.code, 2, r.stderr);
    assert.equal(JSON.parse(r.stdout).targets[0].error, undefined);
  });

  it('--sort, --only-failures and --min-severity are checked', async () => {
    const bad = await runCli(['audit', '--config', join(dir, 'conf', 'redis.conf'), '--sort', 'random']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sort must be severity or checklist/);
    const only = await runCli(['audit', '--config', join(dir, 'conf', 'redis.conf'), '--redis-version', '7.0.15', '--only-failures', '--min-severity', 'high', '--no-color']);
    assert.doesNotMatch(only.stdout, /^  (PASS|SKIP) /m);
    assert.doesNotMatch(only.stdout, /^  FAIL +(medium|low|info) /m);
  });
});
