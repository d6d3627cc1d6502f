import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from './cli-run.ts';
import type { CliRun } from './cli-run.ts';
import { childrenNamed, errorsOf, externalReferences, isPng, jsonReportValidator, launchBrowser, parseXml, sarifValidator } from './validators.ts';

// Every format from one multi-target audit of real servers, each checked by parsing it.

interface Report {
  targets: { target: string; error?: string; results: { ruleId: string; status: string; suppressed?: unknown; baselined?: boolean }[] }[];
  summary: { targets: number; fail: number; pass: number };
}

const PASSWORD = 'Formats-e2e-3b9d7a1c5e';

after(stopAll);

describe('redfort audit --output FORMAT=FILE for every format', () => {
  let open: RunningServer;
  let guarded: RunningServer;
  let renamed: RunningServer;
  let dead: string;
  let dir: string;
  let run: CliRun;
  const file = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-formats-'));
    const [a, b, c, port] = await Promise.all([
      startRedis({ conf: 'protected-mode no' }),
      startRedis({ conf: `requirepass ${PASSWORD}\nloglevel warning`, password: PASSWORD }),
      startRedis({ conf: 'rename-command CONFIG ""\nrename-command DEBUG ""' }),
      freePort(),
      build(),
    ]);
    [open, guarded, renamed] = [a, b, c];
    dead = `redis://127.0.0.1:${port}`;
    await writeFile(
      file('.redfort.yaml'),
      [
        'targets:',
        `  ${guarded.url}:`,
        '    passwordEnv: GUARDED_PW',
        'suppressions:',
        '  - rule: auth.no-authentication',
        `    target: ${open.url}`,
        '    reason: lab server <no data> & "quoted"',
        '  - rule: sentinel',
        '    reason: unused on purpose',
        '',
      ].join('\n'),
    );
    run = await runCli(
      ['audit', open.url, guarded.url, renamed.url, dead, ...['sarif=r.sarif', 'junit=r.xml', 'html=r.html', 'markdown=r.md', 'json=r.json'].flatMap((o) => ['--output', o])],
      { cwd: dir, env: { GUARDED_PW: PASSWORD } },
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const json = async () => JSON.parse(await readFile(file('r.json'), 'utf8')) as Report;

  it('exits 2 for the dead target, prints text, and leaks no password', async () => {
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`redfort: ${dead}: .*refused`));
    assert.match(run.stderr, /redfort: warning: \.redfort\.yaml:8: the suppression of sentinel/);
    assert.match(run.stdout, /4 targets \(1 not audited\)/);
    for (const name of ['r.sarif', 'r.xml', 'r.html', 'r.md', 'r.json']) {
      assert.ok(!(await readFile(file(name), 'utf8')).includes(PASSWORD), name);
    }
    assert.ok(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD));
  });

  it('json: valid against docs/json-report.schema.json', async () => {
    const report = await json();
    const validate = jsonReportValidator();
    assert.ok(validate(report), errorsOf(validate));
    assert.deepEqual(report.targets.map((t) => t.target), [open.url, guarded.url, renamed.url, dead]);
    assert.deepEqual(report.targets.map((t) => t.error === undefined), [true, true, true, false]);
    assert.ok(report.targets[0]!.results.some((r) => r.ruleId === 'auth.no-authentication' && r.suppressed));
  });

  it('sarif: valid against the SARIF 2.1.0 schema, one result per failure, the dead target a notification', async () => {
    const log = JSON.parse(await readFile(file('r.sarif'), 'utf8')) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(log), errorsOf(validate));
    const report = await json();
    const run0 = log.runs[0]!;
    assert.equal(run0.results!.length, report.summary.fail);
    const suppressed = report.targets.flatMap((t) => t.results.filter((r) => r.suppressed));
    assert.ok(suppressed.length > 0);
    assert.equal(run0.results!.filter((r) => r.suppressions).length, suppressed.length);
    const notes = run0.invocations![0]!.toolExecutionNotifications!;
    assert.deepEqual(notes.map((n) => n.locations![0]!.logicalLocations![0]!.name), [dead]);
    assert.equal(run0.invocations![0]!.toolConfigurationNotifications!.length, 1);
    // Docs are embedded from docs/rules/.
    const help = run0.tool.driver.rules!.find((r) => r.id === 'auth.no-authentication')!.help!;
    assert.ok((help.markdown ?? '').length > 200);
    const targets = new Set(run0.results!.map((r) => r.locations![0]!.logicalLocations![0]!.name));
    assert.deepEqual([...targets].sort(), [open.url, guarded.url, renamed.url].sort());
  });

  it('junit: well-formed XML, one testsuite per target, one testcase per rule', async () => {
    const root = parseXml(await readFile(file('r.xml'), 'utf8'));
    const report = await json();
    const suites = childrenNamed(root, 'testsuite');
    assert.deepEqual(suites.map((s) => s.attributes['name']), report.targets.map((t) => t.target));
    suites.forEach((suite, i) => {
      const rules = new Set(report.targets[i]!.results.map((r) => r.ruleId));
      assert.equal(childrenNamed(suite, 'testcase').length, rules.size);
    });
    assert.equal(suites[3]!.attributes['errors'], String(report.targets[3]!.results.length));
    assert.ok(Number(suites[0]!.attributes['failures']) > 0);
  });

  it('markdown: a summary row per target and failures by severity', async () => {
    const md = await readFile(file('r.md'), 'utf8');
    for (const t of [open.url, guarded.url, renamed.url, dead]) assert.match(md, new RegExp(`^\\| \`${t.replace(/[./]/g, '\\$&')}\` \\|`, 'm'));
    assert.match(md, /^### (Critical|High) \(\d+\)$/m);
    assert.match(md, /lab server &lt;no data&gt; &amp; "quoted"/);
  });

  it('html: renders in Chromium without a fetch; tabs and filters work', async () => {
    const html = await readFile(file('r.html'), 'utf8');
    assert.deepEqual(externalReferences(html).filter((r) => !/^a (https:\/\/github\.com\/redfort\/redfort\/blob\/main\/docs\/rules\/|#target-)/.test(r)), []);
    const report = await json();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      const url = pathToFileURL(file('r.html')).href;
      await page.goto(url);
      const visibleRows = (p: typeof page) => p.evaluate(() => [...document.querySelectorAll('tr.finding')].filter((r) => (r as HTMLElement).offsetParent !== null).length);
      const active = report.targets.flatMap((t) => t.results.filter((r) => r.status === 'fail' && !r.suppressed && !r.baselined)).length;
      assert.equal(await page.locator('[data-count=active]').textContent(), String(active));
      assert.equal(await page.locator('.tabs button').count(), 5);
      const all = await visibleRows(page);
      await page.locator('.tabs button').nth(3).click();
      const one = await visibleRows(page);
      assert.ok(one > 0 && one < all, `${one} of ${all}`);
      assert.equal(await page.locator('tr.finding:visible td.target').first().textContent(), renamed.url);
      await page.locator('.tabs button').nth(4).click();
      assert.equal(await visibleRows(page), 1);
      await page.locator('.tabs button').nth(0).click();
      await page.locator('input[name=status][value=pass]').check();
      assert.equal(await visibleRows(page), all + report.summary.pass);
      await page.screenshot({ path: file('r.png'), fullPage: false });
      assert.ok(isPng(await readFile(file('r.png'))));
      assert.deepEqual(requests, [url]);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
