import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { auditFiles, reportOf } from '../../src/app/audit.ts';
import { htmlReporter } from '../../src/report/html.ts';
import { junitReporter } from '../../src/report/junit.ts';
import { markdownCommentReporter, markdownReporter } from '../../src/report/markdown.ts';
import { sarifReporter } from '../../src/report/sarif.ts';
import { textReporter } from '../../src/report/text.ts';
import { RULES } from '../../src/rules/index.ts';
import { childrenNamed, errorsOf, parseXml, sarifValidator } from './validators.ts';

// QA41-113: what the config reader warns of (an include that matched no file, a relative include) reached
// stderr and the JSON formats only: SARIF, JUnit, Markdown, HTML and the text report showed the audit of a file that
// was not read whole as a clean read. Each target's warnings are now in every report.

const base = mkdtempSync(join(tmpdir(), 'redfort-target-warnings-'));
after(() => rmSync(base, { recursive: true, force: true }));

describe("a target's warnings in every report format", () => {
  it('an include that matched no file and a relative include: SARIF notifications at the line, JUnit system-err, Markdown and HTML callouts, text', async () => {
    mkdirSync(join(base, 'conf.d'));
    const glob = join(base, 'g2.conf');
    writeFileSync(glob, `include ${base}/absent.d/*.conf\nprotected-mode yes\n`);
    const bom = join(base, 'bom.conf');
    // A relative include: read from the config file's directory, an assumption (a BOM was the second warning until
    // QA41-105 made it the error it is).
    writeFileSync(join(base, 'extra.conf'), 'maxmemory 1mb\n');
    writeFileSync(bom, 'port 7000\ninclude extra.conf\n');
    const results = [await auditFiles({ configPath: glob, version: '7.2.6' }), await auditFiles({ configPath: bom, version: '7.2.6' })];
    assert.ok(results[0]!.warnings?.some((w) => w.includes('matched no file')), JSON.stringify(results[0]!.warnings));
    assert.ok(results[1]!.warnings?.some((w) => w.includes('is relative')), JSON.stringify(results[1]!.warnings));
    const report = reportOf(results);
    const context = { rules: RULES, color: false, root: base };

    const log = JSON.parse(sarifReporter(report, context)) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(log), errorsOf(validate));
    const notes = log.runs[0]!.invocations![0]!.toolExecutionNotifications ?? [];
    const glob1 = notes.find((n) => n.message.text!.includes('matched no file'));
    assert.equal(glob1?.level, 'warning');
    assert.deepEqual(glob1!.locations![0]!.physicalLocation, { artifactLocation: { uri: 'g2.conf', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } });
    assert.equal(glob1!.locations![0]!.logicalLocations![0]!.name, glob);
    assert.ok(notes.some((n) => n.message.text!.includes('is relative') && n.locations![0]!.physicalLocation!.artifactLocation!.uri === 'bom.conf' && n.locations![0]!.physicalLocation!.region!.startLine === 2), JSON.stringify(notes));
    // Warnings do not make the run unsuccessful: every target was audited.
    assert.equal(log.runs[0]!.invocations![0]!.executionSuccessful, true);

    const junit = parseXml(junitReporter(report, context));
    const suites = childrenNamed(junit, 'testsuite');
    const errOf = (i: number) => childrenNamed(suites[i]!, 'system-err').map((e) => e.text).join('\n');
    assert.match(errOf(0), /^warning: .*g2\.conf:1: include .* matched no file/m);
    assert.doesNotMatch(errOf(0), /is relative/, "each suite has its own target's warnings");
    assert.match(errOf(1), /^warning: .*bom\.conf:2: include 'extra\.conf' is relative/m);

    for (const render of [markdownReporter, markdownCommentReporter]) {
      const md = render(report, context);
      assert.match(md, /> \[!WARNING\]\n> `[^`]*g2\.conf`: read with warnings:\n> - .*matched no file/);
      assert.match(md, /> - .*is relative/);
    }

    const html = htmlReporter(report, context);
    assert.match(html, /<div class="warn target-warnings"><strong>[^<]*g2\.conf: read with warnings<\/strong><ul><li>[^<]*matched no file/);
    assert.match(html, /is relative/);

    const text = textReporter(report, context);
    const [first, second] = text.split(/\n(?=\S*bom\.conf)/);
    assert.match(first!, /^\S*g2\.conf.*\n {2}WARNING .*matched no file/);
    assert.match(second!, /^\S*bom\.conf.*\n {2}WARNING .*is relative/);
  });
});
