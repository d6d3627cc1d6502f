import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { htmlReporter } from '../../src/report/html.ts';
import { RULES } from '../../src/rules/index.ts';
import { activeFailures, CONTEXT, NASTY_SHOWN, sampleReport } from '../fixtures/reports/sample.ts';
import { externalReferences, isPng, launchBrowser } from './validators.ts';

const report = sampleReport();
const html = htmlReporter(report, CONTEXT);

describe('HTML reporter, static', () => {
  it('fetches nothing: no src, no stylesheet link, no CSS url(); only <a> links to rule docs', () => {
    const refs = externalReferences(html);
    assert.ok(refs.length > 0, 'the rule links are found');
    const bad = refs.filter((r) => !/^a https:\/\/github\.com\/redfort\/redfort\/blob\/main\/docs\/rules\/[a-z]+\.[a-z0-9-]+\.md$/.test(r) && !/^a #target-\d+$/.test(r));
    assert.deepEqual(bad, []);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';/);
    assert.doesNotMatch(html, /<(link|img|iframe|object|embed|base)\b/i);
    // The check above catches what it should.
    assert.deepEqual(externalReferences('<img src="https://cdn.test/x.png"><style>a{background:url(x)}</style>'), ['img https://cdn.test/x.png', 'css url(']);
  });

  it('escapes everything that comes from a server', () => {
    assert.ok(!html.includes('<script>alert'), 'a message became markup');
    assert.match(html, /bind is &#39;&lt;script&gt;alert|bind is '&lt;script&gt;alert/);
    assert.match(html, /\\u0007bell\\u0000nul/);
    assert.doesNotMatch(html, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assert.equal(html.match(/<script>/g)?.length, 1, 'only the report script');
  });
});

describe('HTML reporter in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    url = pathToFileURL(file).href;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(javaScriptEnabled = true): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    return { page, requests, errors };
  }

  /** Rows a person sees: laid out (not display:none through `hidden`, a hidden panel or a filter). */
  const visibleRows = (page: Page) => page.evaluate(() => [...document.querySelectorAll('tr.finding')].filter((r) => (r as HTMLElement).offsetParent !== null).length);
  const shown = async (page: Page) => Number(await page.locator('#shown-count').textContent());

  it('renders the counts, requests nothing but itself, and filters with the checkboxes', async () => {
    const { page, requests, errors } = await open();
    assert.deepEqual(requests, [url]);
    assert.deepEqual(errors, []);
    assert.equal(await page.locator('[data-count=active]').textContent(), String(activeFailures(report).length));
    assert.equal(await page.locator('[data-count=critical]').textContent(), '2 critical');
    assert.equal(await page.locator('[data-count=pass]').textContent(), String(report.summary.pass));
    assert.equal(await page.locator('[data-panel=all] table.sections tbody tr').count(), 5);
    assert.match((await page.locator('#warnings').textContent())!, /expired on 2020-01-01/);
    // A server's text shows as it is: nothing in it became markup or an entity.
    const rendered = await page.locator('tr.finding[data-severity=high] p.msg', { hasText: 'alert(' }).textContent();
    assert.equal(rendered, NASTY_SHOWN);
    assert.equal(await page.locator('td.detail script, td.detail b').count(), 0);

    const rows = report.targets.flatMap((t) => (t.error ? [] : t.results));
    const count = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).length;
    // Default: fail, error, manual; the target that could not be audited is one error row.
    const initial = count(['fail', 'error', 'manual']) + 1;
    assert.equal(await visibleRows(page), initial);
    assert.equal(await shown(page), initial);

    await page.locator('input[name=status][value=pass]').check();
    assert.equal(await visibleRows(page), initial + count(['pass']));
    await page.locator('input[name=status][value=pass]').uncheck();

    await page.locator('input[name=severity][value=critical]').uncheck();
    const critical = rows.filter((r) => r.status === 'fail' && r.severity === 'critical').length;
    assert.equal(critical, 3, 'two that count and a suppressed one');
    assert.equal(await visibleRows(page), initial - critical);
    await page.locator('input[name=severity][value=critical]').check();

    await page.locator('input[name=accepted]').uncheck();
    assert.equal(await visibleRows(page), initial - 2);
    await page.locator('input[name=accepted]').check();

    await page.locator('#search').fill('cve-2024');
    assert.equal(await visibleRows(page), 2);
    await page.locator('#search').fill('no such thing anywhere');
    assert.equal(await visibleRows(page), 0);
    assert.ok(await page.locator('#none').isVisible());
    await page.close();
  });

  it('switches target tabs and takes a screenshot', async () => {
    const { page, errors } = await open();
    const tabs = page.locator('.tabs button');
    assert.equal(await tabs.count(), 4);
    assert.ok(await page.locator('[data-panel=all]').isVisible());
    assert.ok(!(await page.locator('[data-panel=t1]').isVisible()));

    await tabs.nth(2).click();
    assert.equal(await tabs.nth(2).getAttribute('aria-selected'), 'true');
    assert.ok(await page.locator('[data-panel=t1]').isVisible());
    assert.ok(!(await page.locator('[data-panel=all]').isVisible()));
    // rediss://…:6380 has one failure and one manual result.
    assert.equal(await visibleRows(page), 2);
    assert.equal(await page.locator('tr.finding:visible td.detail').first().textContent().then((t) => /tls-auth-clients/.test(t ?? '')), true);
    assert.match((await page.locator('#findings-scope').textContent())!, /rediss:\/\/auditor@db2\.example:6380/);

    await tabs.nth(3).click();
    assert.equal(await visibleRows(page), 1);
    assert.match((await page.locator('tr.finding:visible').textContent())!, /Could not be audited: connection refused/);

    await tabs.nth(0).click();
    const path = join(dir, 'report.png');
    await page.screenshot({ path, fullPage: true });
    assert.ok(isPng(await readFile(path)), 'a PNG');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone screen: nothing cut off, each finding readable at full width', async () => {
    const context = await browser.newContext({ viewport: { width: 400, height: 800 } });
    const page = await context.newPage();
    await page.goto(url);
    // The page itself does not scroll sideways; the tally tables scroll inside their panel.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 400));
    const boxes = await page.evaluate(() =>
      [...document.querySelectorAll('tr.finding td.detail')]
        .filter((td) => (td as HTMLElement).offsetParent !== null)
        .map((td) => {
          const r = td.getBoundingClientRect();
          return { left: r.left, right: r.right };
        }),
    );
    assert.ok(boxes.length > 0);
    for (const box of boxes) assert.ok(box.right <= 400 && box.right - box.left >= 300, JSON.stringify(box));
    await context.close();
  });

  it('the label filter shows the targets with that label only, values with spaces included', async () => {
    const labelled = { ...report, targets: report.targets.map((t, i) => (i === 0 ? { ...t, labels: { team: 'pay ments' } } : i === 1 ? { ...t, labels: { team: 'pay' } } : t)) };
    const file = join(dir, 'labels.html');
    await writeFile(file, htmlReporter(labelled, CONTEXT));
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    await page.goto(pathToFileURL(file).href);
    const targetsShown = () => page.evaluate(() => [...new Set([...document.querySelectorAll('tr.finding')].filter((r) => (r as HTMLElement).offsetParent !== null).map((r) => (r as HTMLElement).dataset['target']))].sort());
    await page.locator('#label').selectOption({ label: 'team=pay' });
    assert.deepEqual(await targetsShown(), ['t1']);
    await page.locator('#label').selectOption({ label: 'team=pay ments' });
    assert.deepEqual(await targetsShown(), ['t0']);
    await page.close();
  });

  it('is readable without JavaScript: every panel and every row shown, no filter controls', async () => {
    const { page } = await open(false);
    const live = report.targets.filter((t) => !t.error).reduce((n, t) => n + t.results.length, 0);
    assert.equal(await visibleRows(page), live + 1);
    assert.equal(await page.locator('.panel:visible').count(), 4);
    assert.ok(!(await page.locator('#filters').isVisible()));
    assert.ok(!(await page.locator('.tabs').isVisible()));
    assert.equal(await page.locator(`a[href$="/docs/rules/${RULES[0]!.id}.md"]`).first().isVisible(), true);
    await page.close();
  });
});
