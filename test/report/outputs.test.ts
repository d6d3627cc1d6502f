import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planOutputs } from '../../src/report/outputs.ts';

const KNOWN = ['text', 'json', 'sarif', 'junit', 'html', 'markdown'];
const plan = (formats: string[] | undefined, outputs: string[] = []) => planOutputs(formats, outputs, KNOWN);

describe('--format and --output', () => {
  it('refuses two outputs that name the same file (the second report replaced the first without a word)', () => {
    assert.equal(plan(undefined, ['json=r.json', 'sarif=./r.json']), '--output json=r.json and --output sarif=./r.json name the same file: the second report would replace the first');
    assert.match(plan(['json'], ['sarif=out.txt', 'out.txt']) as string, /^--output sarif=out\.txt and --output json=out\.txt name the same file/);
    assert.deepEqual(plan(undefined, ['json=a/r.json', 'sarif=b/r.json']), { stdout: 'text', files: [{ format: 'json', path: 'a/r.json' }, { format: 'sarif', path: 'b/r.json' }] });
    // /dev/null discards them all; one report may go to standard output (and the default text yields to it).
    assert.deepEqual(plan(undefined, ['json=/dev/null', 'sarif=/dev/null', 'junit=/dev/stdout']), {
      files: [{ format: 'json', path: '/dev/null' }, { format: 'sarif', path: '/dev/null' }, { format: 'junit', path: '/dev/stdout' }],
    });
    // Two were appended one after the other: two documents where a reader expects one, as --format X -o Y=- was.
    assert.equal(plan(undefined, ['json=-', 'sarif=-']), 'only one report can go to standard output (--output json=- and --output sarif=-): write one of them to a file');
    assert.equal(plan(undefined, ['junit=/dev/stdout', 'html=/dev/stdout']), 'only one report can go to standard output (--output junit=- and --output html=-): write one of them to a file');
  });

  it("an empty --output (an unset shell variable) is a usage error saying so, not 'its directory does not exist'", () => {
    assert.equal(plan(undefined, ['']), '--output needs a file name (or FORMAT=FILE)');
    assert.equal(plan(['json'], ['']), '--output needs a file name (or FORMAT=FILE)');
    assert.equal(plan(undefined, ['json=']), '--output json= needs a file name');
  });

  it('prints text by default', () => {
    assert.deepEqual(plan(undefined), { stdout: 'text', files: [] });
  });

  it('takes a comma list or repeated --format; each format needs its own place', () => {
    assert.deepEqual(plan(['json']), { stdout: 'json', files: [] });
    assert.deepEqual(plan(['sarif,junit'], ['sarif=a.sarif']), { stdout: 'junit', files: [{ format: 'sarif', path: 'a.sarif' }] });
    assert.deepEqual(plan(['sarif', 'junit'], ['sarif=a.sarif', 'junit=b.xml']), {
      files: [
        { format: 'sarif', path: 'a.sarif' },
        { format: 'junit', path: 'b.xml' },
      ],
    });
    assert.match(plan(['sarif,junit']) as string, /^only one format can go to standard output \(sarif, junit\)/);
  });

  it('adds FORMAT=FILE outputs to the standard output report', () => {
    assert.deepEqual(plan(undefined, ['sarif=out/r.sarif', 'html=r.html']), {
      stdout: 'text',
      files: [
        { format: 'sarif', path: 'out/r.sarif' },
        { format: 'html', path: 'r.html' },
      ],
    });
    assert.deepEqual(plan(undefined, ['json=a=b.json']), { stdout: 'text', files: [{ format: 'json', path: 'a=b.json' }] });
  });

  it('keeps a plain --output FILE for the --format report', () => {
    assert.deepEqual(plan(['json'], ['report.json']), { files: [{ format: 'json', path: 'report.json' }] });
    assert.deepEqual(plan(undefined, ['report.txt']), { files: [{ format: 'text', path: 'report.txt' }] });
    assert.deepEqual(plan(['json,sarif'], ['sarif=a.sarif', 'r.json']), {
      files: [
        { format: 'sarif', path: 'a.sarif' },
        { format: 'json', path: 'r.json' },
      ],
    });
    assert.match(plan(['json,sarif'], ['r.out']) as string, /name the format of each file/);
    // The file's extension names a format but no --format was given: the text report went into report.json.
    assert.equal(plan(undefined, ['report.json']), '--output report.json: without --format this file would get the text report: write --output json=report.json (or add --format json), or add --format text to keep text');
    assert.match(plan(undefined, ['out/r.SARIF']) as string, /write --output sarif=out\/r\.SARIF \(or add --format sarif\)/);
    assert.match(plan(undefined, ['sarif=a.sarif', 'r.xml']) as string, /write --output junit=r\.xml/);
    assert.match(plan(undefined, ['r.md']) as string, /write --output markdown=r\.md/);
    assert.deepEqual(plan(undefined, ['text=report.json']), { stdout: 'text', files: [{ format: 'text', path: 'report.json' }] });
    assert.deepEqual(plan(['text'], ['report.json']), { files: [{ format: 'text', path: 'report.json' }] });
    assert.deepEqual(plan(undefined, ['report.log']), { files: [{ format: 'text', path: 'report.log' }] });
    assert.match(plan(undefined, ['a.txt', 'b.txt']) as string, /give several outputs as FORMAT=FILE/);
  });

  // `--targets -` reads standard input; `-o -` and `-o json=-` wrote a file named '-'.
  it('takes - for standard output', () => {
    assert.deepEqual(plan(['json'], ['-']), { files: [{ format: 'json', path: '/dev/stdout' }] });
    // Without --format, the text report does not go to standard output too: a SARIF document followed by text (R11).
    assert.deepEqual(plan(undefined, ['sarif=-']), { files: [{ format: 'sarif', path: '/dev/stdout' }] });
    assert.deepEqual(plan(undefined, ['sarif=/dev/fd/1', 'json=r.json']), { files: [{ format: 'sarif', path: '/dev/fd/1' }, { format: 'json', path: 'r.json' }] });
    assert.deepEqual(plan(undefined, ['sarif=/dev/stderr']), { stdout: 'text', files: [{ format: 'sarif', path: '/dev/stderr' }] });
    assert.deepEqual(plan(['json'], ['./-']), { files: [{ format: 'json', path: './-' }] });
    // With --format, its report and the output named '-' would be two documents on standard output.
    assert.equal(plan(['json'], ['sarif=-']), 'only one report can go to standard output (--format json and --output sarif=-): write one of them to a file');
    assert.equal(plan(['json'], ['sarif=/dev/fd/1']), 'only one report can go to standard output (--format json and --output sarif=/dev/fd/1): write one of them to a file');
  });

  it('rejects unknown formats in either option', () => {
    assert.equal(plan(['yaml']), "unknown format 'yaml' (choose from text, json, sarif, junit, html, markdown)");
    assert.match(plan(undefined, ['pdf=r.pdf']) as string, /^unknown format 'pdf' in --output pdf=r\.pdf/);
    assert.match(plan(undefined, ['sarif=']) as string, /needs a file name/);
    // Typos of FORMAT=FILE were file names: a report written to '=r.json', 'JSON=r.json' or 'sarif2=r.sarif'.
    assert.equal(plan(undefined, ['=r.json']), "--output =r.json names no format before '=': write FORMAT=FILE (e.g. json=r.json), or ./=r.json for a file of that name");
    assert.match(plan(undefined, ['JSON=r.json']) as string, /^unknown format 'JSON' in --output JSON=r\.json/);
    assert.match(plan(undefined, ['sarif2=r.sarif']) as string, /^unknown format 'sarif2' in --output sarif2=r\.sarif/);
    assert.deepEqual(plan(['json'], ['./=r.json']), { files: [{ format: 'json', path: './=r.json' }] });
  });

  // QA42-20: `-o json` (the slip for `-o json=FILE` or `--format json`) wrote the text report to a file named json.
  it('refuses a bare format name as the output file; ./NAME is a file of that name', () => {
    assert.equal(plan(undefined, ['json']), '--output json names a format, not a file: write json=FILE (or ./json for a file of that name)');
    for (const f of ['sarif', 'html', 'text']) assert.match(plan(undefined, [f]) as string, new RegExp(`^--output ${f} names a format, not a file`));
    assert.match(plan(['json'], ['json']) as string, /^--output json names a format, not a file/);
    assert.deepEqual(plan(['json'], ['./json']), { files: [{ format: 'json', path: './json' }] });
  });
});
