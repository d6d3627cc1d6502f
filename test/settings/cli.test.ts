import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { errorsOf, jsonReportValidator, sarifValidator } from '../report/validators.ts';
import { RULES } from '../../src/rules/index.ts';
import type { CliRun } from '../report/cli-run.ts';

// Settings, suppressions and baselines end to end: the built CLI against real servers.

interface Result {
  ruleId: string;
  status: string;
  severity: string;
  message: string;
  suppressed?: { reason: string; expires?: string };
  baselined?: true;
  disabled?: { rule: string; path: string; line: number };
}
interface Report {
  targets: { target: string; error?: string; results: Result[] }[];
  summary: { fail: number; suppressed: number; baselined: number };
  warnings?: { kind: string; message: string }[];
}

const PASSWORD = 'Settings-e2e-7c1d2b9f'; // 21 characters, not a common password

function report(run: CliRun): Report {
  try {
    return JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout.slice(0, 300)}\n${run.stderr}`);
  }
}

const fails = (r: Report) => r.targets.flatMap((t) => t.results.filter((x) => x.status === 'fail').map((x) => ({ ...x, target: t.target })));
const counting = (r: Report) => fails(r).filter((x) => !x.suppressed && !x.baselined);

after(stopAll);

describe('settings, suppressions and baselines through the CLI', { concurrency: true }, () => {
  let open: RunningServer;
  let guarded: RunningServer;
  let tmp: string;
  let dirs = 0;
  const env = { GUARDED_PW: PASSWORD };

  /** A fresh directory holding `.redfort.yaml` with `settings`. */
  async function project(settings: string): Promise<string> {
    const dir = join(tmp, `p${++dirs}`);
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(join(dir, '.redfort.yaml'), settings);
    return dir;
  }
  const guardedTarget = () => `targets:\n  ${guarded.url}:\n    passwordEnv: GUARDED_PW\n`;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'redfort-settings-'));
    [open, guarded] = await Promise.all([
      startRedis({ conf: 'protected-mode no' }),
      startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD }),
      build(),
    ]) as [RunningServer, RunningServer, void];
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  // Root running redfort in a shared directory (/tmp) read another user's .redfort.yaml without a word: every area
  // off made a wide-open server '0 findings', exit 0 (and its targets and passwordFile could name what root sends).
  it("refuses an implicit .redfort.yaml another user owns; --config-file still reads it", async () => {
    const planted = await project('rules: { auth: off, network: off, tls: off, version: off, host: off, logging: off, commands: off, persistence: off }\n');
    await import('node:fs/promises').then((fs) => fs.chown(join(planted, '.redfort.yaml'), 65534, 65534));
    const refused = await runCli(['audit', open.url, '--format', 'json'], { cwd: planted });
    assert.equal(refused.code, 2, refused.stdout);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^redfort: \.redfort\.yaml: owned by uid 65534, not by (root|you \(uid \d+\) or root): not read \(anyone may write a file in a shared directory\); --config-file \.redfort\.yaml reads it\n$/);
    assert.equal(refused.stderr.split('\n').length, 2);
    const chosen = await runCli(['audit', open.url, '--format', 'json', '--config-file', '.redfort.yaml'], { cwd: planted });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.deepEqual(fails(report(chosen)), []);
  });

  // The owner is read from the file that is opened, not from a look at the path before (a file planted between the
  // two was read): here a link of the running user's leads to a file another user owns.
  it('refuses an implicit .redfort.yaml that is a link to a file another user owns', async () => {
    const fs = await import('node:fs/promises');
    const planted = await project('rules: { auth: off }\n');
    await fs.rename(join(planted, '.redfort.yaml'), join(planted, 'theirs.yaml'));
    await fs.chown(join(planted, 'theirs.yaml'), 65534, 65534);
    await fs.symlink('theirs.yaml', join(planted, '.redfort.yaml'));
    const refused = await runCli(['audit', open.url, '--format', 'json'], { cwd: planted });
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /^redfort: \.redfort\.yaml: owned by uid 65534, /);
  });

  // QA40-60: '--cacert needs --tls or a rediss:// URL' for a `cacert:` of the file, a flag the user never gave.
  it("a TLS setting of the file on a plain target: one line naming the file's key and line, exit 2", async () => {
    const dir = await project(`targets:\n  ${open.url}: { cacert: ca.crt }\n`);
    const run = await runCli(['audit', open.url], { cwd: dir });
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `redfort: .redfort.yaml:2: cacert needs 'tls: true' or a rediss:// URL (target '${open.url}')\n`);
  });

  it('a severity override changes the exit code; failOn comes from the file', async () => {
    const plain = await runCli(['audit', open.url, '--format', 'json', '--fail-on', 'critical']);
    assert.equal(plain.code, 1, plain.stderr);
    const critical = [...new Set(fails(report(plain)).filter((f) => f.severity === 'critical').map((f) => f.ruleId))];
    assert.ok(critical.includes('auth.no-authentication'), critical.join());

    const strict = await project('failOn: critical\n');
    assert.equal((await runCli(['audit', open.url], { cwd: strict })).code, 1);
    const lowered = await project(`failOn: critical\nrules:\n${critical.map((id) => `  ${id}: medium`).join('\n')}\n`);
    const run = await runCli(['audit', open.url, '--format', 'json'], { cwd: lowered });
    assert.equal(run.code, 0, run.stderr);
    const after = report(run);
    assert.deepEqual(fails(after).filter((f) => f.severity === 'critical'), []);
    assert.equal(fails(after).find((f) => f.ruleId === 'auth.no-authentication')!.severity, 'medium');
    // The command line beats the file.
    assert.equal((await runCli(['audit', open.url, '--fail-on', 'medium'], { cwd: lowered })).code, 1);
  });

  // `off` left no trace: a wide-open server beside every area turned off read '0 findings', and no report said a rule
  // had been turned off, or by which file. It is a skip marked `disabled` now, in every format.
  it('off keeps a rule or an area in every report as not judged, naming the entry that turned it off', async () => {
    const dir = await project('rules:\n  tls.disabled: off\n  logging: off\n  logging.syslog-disabled: on\n');
    const out = (format: string) => join(dir, `report.${format}`);
    const formats = ['json', 'sarif', 'junit', 'html', 'markdown'];
    const run = await runCli(['audit', open.url, '--fail-on', 'none', ...formats.flatMap((f) => ['-o', `${f}=${out(f)}`]), '--format', 'text'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(await readFile(out('json'), 'utf8')) as Report & { summary: { skip: number; disabled?: number } };
    const validate = jsonReportValidator();
    assert.ok(validate(json), errorsOf(validate));
    const results = json.targets[0]!.results;
    const off = results.filter((x) => x.disabled !== undefined);
    const byId = new Map(results.map((x) => [x.ruleId, x]));
    assert.deepEqual(byId.get('tls.disabled'), { ...byId.get('tls.disabled')!, status: 'skip', message: "not judged: turned off by 'tls.disabled: off' at .redfort.yaml:2", disabled: { rule: 'tls.disabled', path: '.redfort.yaml', line: 2 } });
    assert.deepEqual(byId.get('logging.no-logfile')!.disabled, { rule: 'logging', path: '.redfort.yaml', line: 3 });
    assert.equal(byId.get('logging.loglevel-too-quiet')!.status, 'skip');
    assert.equal(byId.get('logging.syslog-disabled')!.disabled, undefined, 'an id beats its area');
    assert.notEqual(byId.get('logging.syslog-disabled')!.status, 'skip');
    assert.ok(byId.has('tls.weak-ciphers'));
    assert.deepEqual(off.map((x) => x.ruleId).sort(), RULES.filter((r) => r.id === 'tls.disabled' || (r.id.startsWith('logging.') && r.id !== 'logging.syslog-disabled')).map((r) => r.id).sort());
    assert.equal(json.summary.disabled, off.length);
    assert.equal(json.summary.skip, results.filter((x) => x.status === 'skip').length);

    // Text: each as a skip with its reason; the summary says how many, and where.
    assert.match(run.stdout, /SKIP +tls\.disabled +not judged: turned off by 'tls\.disabled: off' at \.redfort\.yaml:2/);
    assert.match(run.stdout, new RegExp(`\\d+ rules skipped \\(${off.length} turned off in \\.redfort\\.yaml\\)`));

    // SARIF: no result for them, an override `enabled: false` each, with the entry.
    const sarif = JSON.parse(await readFile(out('sarif'), 'utf8')) as {
      runs: { invocations: { ruleConfigurationOverrides?: { descriptor: { id: string; index?: number }; configuration: { enabled: boolean }; properties: { setting: string; location: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } } } }[] }[]; results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    const validSarif = sarifValidator();
    assert.ok(validSarif(sarif), errorsOf(validSarif));
    const overrides = sarif.runs[0]!.invocations[0]!.ruleConfigurationOverrides ?? [];
    assert.deepEqual(overrides.map((o) => o.descriptor.id).sort(), off.map((x) => x.ruleId).sort());
    for (const o of overrides) {
      assert.equal(o.configuration.enabled, false);
      assert.equal(sarif.runs[0]!.tool.driver.rules[o.descriptor.index!]!.id, o.descriptor.id);
    }
    const tlsOverride = overrides.find((o) => o.descriptor.id === 'tls.disabled')!;
    assert.equal(tlsOverride.properties.setting, 'tls.disabled: off');
    assert.deepEqual(tlsOverride.properties.location.physicalLocation, { artifactLocation: { uri: '.redfort.yaml' }, region: { startLine: 2 } });
    assert.ok(!sarif.runs[0]!.results.some((r) => off.some((x) => x.ruleId === r.ruleId)));

    // JUnit: a skipped testcase with the reason.
    const junit = await readFile(out('junit'), 'utf8');
    assert.match(junit, /<testcase classname="[^"]*" name="tls\.disabled">\s*<skipped message="skip: not judged: turned off by &#39;tls\.disabled: off&#39; at \.redfort\.yaml:2"\/>/);
    // HTML: a badge on each, and the count under the skipped card.
    const html = await readFile(out('html'), 'utf8');
    assert.equal(html.split('<span class="st st-skip">turned off</span>').length - 1, off.length);
    assert.match(html, new RegExp(`data-count="disabled">${off.length} turned off in \\.redfort\\.yaml<`));
    // Markdown: the headline counts them, each is listed with its reason among the skipped.
    const markdown = await readFile(out('markdown'), 'utf8');
    assert.match(markdown, new RegExp(`\\d+ rules skipped \\(${off.length} turned off in \\.redfort\\.yaml\\)`));
    assert.match(markdown, /tls\.disabled.*not judged: turned off by 'tls\.disabled: off' at \.redfort\.yaml:2/);
  });

  it('every area off: every rule not judged, the exit code as if they were left out', async () => {
    const areas = [...new Set(RULES.map((r) => r.id.split('.')[0]!))];
    const dir = await project(`rules: { ${areas.map((a) => `${a}: off`).join(', ')} }\n`);
    const [bare, all] = await Promise.all([runCli(['audit', open.url, '--format', 'json'], { cwd: tmp }), runCli(['audit', open.url, '--format', 'json'], { cwd: dir })]);
    assert.equal(bare.code, 1, 'the open server fails rules that count');
    assert.equal(all.code, 0, all.stderr);
    const r = report(all) as Report & { summary: { pass: number; skip: number; disabled?: number } };
    assert.equal(r.targets[0]!.results.length, RULES.length);
    assert.ok(r.targets[0]!.results.every((x) => x.status === 'skip' && x.disabled?.line === 1));
    assert.deepEqual([r.summary.fail, r.summary.pass, r.summary.skip, r.summary.disabled], [0, 0, RULES.length, RULES.length]);
    const text = await runCli(['audit', open.url], { cwd: dir });
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`${RULES.length} rules skipped \\(${RULES.length} turned off in \\.redfort\\.yaml\\)`));
    // A fleet (the settings file beside a --targets list) counts them in its summary too.
    await writeFile(join(dir, 'list.txt'), `${open.url}\n${open.url}/1\n`);
    const fleet = await runCli(['audit', '--targets', 'list.txt', '--format', 'jsonl'], { cwd: dir });
    assert.equal(fleet.code, 0, fleet.stderr);
    const summary = JSON.parse(fleet.stdout.trim().split('\n').at(-1)!) as { type: string; summary: { skip: number; disabled?: number } };
    assert.deepEqual([summary.type, summary.summary.skip, summary.summary.disabled], ['summary', 2 * RULES.length, 2 * RULES.length]);
    const summaryOnly = await runCli(['audit', '--targets', 'list.txt', '--summary-only'], { cwd: dir });
    assert.equal(summaryOnly.code, 0, summaryOnly.stderr);
    assert.match(summaryOnly.stdout, new RegExp(`^Fleet: 2 targets, 0 not audited, 0 with failures\\n  ${RULES.length} rules turned off in \\.redfort\\.yaml: not judged on any target\\n`));
  });

  it('a threshold changes a verdict (and passwordEnv supplies the password)', async () => {
    const base = await project(guardedTarget());
    const strict = await project(`${guardedTarget()}thresholds:\n  minPasswordLength: 32\n`);
    const [before, afterRun] = await Promise.all([
      runCli(['audit', guarded.url, '--format', 'json', '--fail-on', 'none'], { cwd: base, env }),
      runCli(['audit', guarded.url, '--format', 'json', '--fail-on', 'none'], { cwd: strict, env }),
    ]);
    const verdict = (run: CliRun) => report(run).targets[0]!.results.find((x) => x.ruleId === 'auth.weak-password')!;
    assert.equal(report(before).targets[0]!.error, undefined, before.stderr);
    assert.equal(verdict(before).status, 'pass', verdict(before).message);
    assert.equal(verdict(afterRun).status, 'fail');
    assert.match(verdict(afterRun).message, /32|short/);
    assert.ok(!before.stdout.includes(PASSWORD) && !afterRun.stdout.includes(PASSWORD) && !afterRun.stderr.includes(PASSWORD));
  });

  it('suppressions mark findings, stop them counting, and report expired and unused ones', async () => {
    const plain = report(await runCli(['audit', open.url, '--format', 'json', '--fail-on', 'none']));
    const critical = [...new Set(fails(plain).filter((f) => f.severity === 'critical').map((f) => f.ruleId))];
    const dir = await project(
      [
        'suppressions:',
        ...critical.flatMap((id) => [`  - rule: ${id}`, `    target: ${open.url}`, '    reason: lab server, no data', '    expires: 2999-12-31']),
        '  - rule: tls.disabled',
        '    reason: TLS terminates at the proxy',
        '    expires: 2020-01-01',
        '  - rule: sentinel.no-auth-user',
        '    reason: we have no sentinels',
        '',
      ].join('\n'),
    );
    const run = await runCli(['audit', open.url, '--format', 'json', '--fail-on', 'critical'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const r = report(run);
    const suppressed = fails(r).filter((f) => f.suppressed);
    assert.equal(suppressed.length, fails(plain).filter((f) => f.severity === 'critical' || critical.includes(f.ruleId)).length);
    assert.deepEqual(suppressed[0]!.suppressed, { reason: 'lab server, no data', expires: '2999-12-31' });
    assert.equal(r.summary.suppressed, suppressed.length);
    assert.ok(fails(r).some((f) => f.ruleId === 'tls.disabled' && !f.suppressed), 'an expired suppression applies to nothing');
    const lines = 2 + 4 * critical.length;
    assert.deepEqual(r.warnings!.map((w) => w.kind), ['suppression-expired', 'suppression-unused']);
    assert.match(r.warnings![0]!.message, new RegExp(`^\\.redfort\\.yaml:${lines}: the suppression of tls\\.disabled .* expired on 2020-01-01`));
    assert.match(r.warnings![1]!.message, new RegExp(`^\\.redfort\\.yaml:${lines + 3}: the suppression of sentinel\\.no-auth-user .* matched no failure`));
    assert.match(run.stderr, /^redfort: warning: \.redfort\.yaml:\d+: the suppression of tls\.disabled/m);
    assert.match(run.stderr, /^redfort: warning: \.redfort\.yaml:\d+: the suppression of sentinel\.no-auth-user/m);
    // The text report marks them too.
    const text = await runCli(['audit', open.url, '--fail-on', 'none'], { cwd: dir });
    assert.match(text.stdout, /\[suppressed: lab server, no data\]/);
    assert.match(text.stdout, new RegExp(`${suppressed.length} suppressed`));
  });

  it('--config-file names another file; a bad one is one line naming file:line, exit 2', async () => {
    const dir = await project('rules:\n  tls.disabled: off\n');
    await writeFile(join(dir, 'other.yaml'), 'rules:\n  tls.disabled: high\n  network.nope: off\n');
    const bad = await runCli(['audit', open.url, '--config-file', 'other.yaml'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, "redfort: other.yaml:3: rules: unknown rule or area 'network.nope' (see 'redfort rules')\n");
    assert.equal(bad.stdout, '');
    await writeFile(join(dir, 'typo.yaml'), 'failOn: high\nsupressions: []\n');
    const typo = await runCli(['audit', open.url, '--config-file', join(dir, 'typo.yaml')]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^redfort: \/.*typo\.yaml:2: the settings file: unknown key 'supressions'/);
    const missing = await runCli(['audit', open.url, '--config-file', 'nope.yaml'], { cwd: dir });
    assert.equal(missing.stderr, 'redfort: nope.yaml: cannot read the settings file: no such file\n');
    const secret = await project(`targets:\n  redis://:${PASSWORD}@127.0.0.1:${guarded.port}: {}\n`);
    const leaked = await runCli(['audit', open.url], { cwd: secret });
    assert.equal(leaked.code, 2);
    assert.match(leaked.stderr, /\.redfort\.yaml:2: targets: a password never goes in the settings file/);
    assert.ok(!leaked.stderr.includes(PASSWORD));
  });

  it('audits the targets of the settings file when none is given', async () => {
    const dir = await project(`targets:\n  ${open.url}: {}\n  ${guarded.url}:\n    passwordEnv: GUARDED_PW\n`);
    const run = await runCli(['audit', '--format', 'json', '--fail-on', 'none'], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(report(run).targets.map((t) => [t.target, t.error]), [[open.url, undefined], [guarded.url, undefined]]);
    // An unset passwordEnv is an error for that target alone: the other is audited, the run exits 2.
    const unset = await runCli(['audit', '--format', 'json', '--fail-on', 'none'], { cwd: dir });
    assert.equal(unset.code, 2, unset.stderr);
    const partial = report(unset);
    assert.deepEqual(partial.targets.map((t) => [t.target, t.error]), [[open.url, undefined], [guarded.url, `.redfort.yaml:3: targets: ${guarded.url}: passwordEnv names GUARDED_PW, which is not set`]]);
    assert.ok(partial.targets[0]!.results.some((r) => r.status === 'fail'), 'the other target was audited');
    assert.ok(!unset.stderr.includes(PASSWORD));
  });

  it('baselines: record today, pass on the same servers, fail only on a new finding', async () => {
    // The restarted server below lives in a new temporary directory: host findings quote its paths, so
    // they would be new findings too. Real servers keep their paths; here the host rules are turned off.
    const dir = await project(`${guardedTarget()}rules:\n  host: off\n  logging.no-rotation: off\n`);
    const baseline = join(dir, 'baseline.json');
    const targets = [open.url, guarded.url];
    const args = ['audit', ...targets, '--format', 'json', '--fail-on', 'medium'];

    const plain = await runCli(args, { cwd: dir, env });
    assert.equal(plain.code, 1, 'the fleet has debt');
    const written = await runCli([...args, '--baseline-write', baseline], { cwd: dir, env });
    assert.equal(written.code, 0, written.stderr);
    const file = JSON.parse(await readFile(baseline, 'utf8')) as { version: number; findings: { ruleId: string; target: string; fingerprint: string }[] };
    assert.equal(file.version, 1);
    assert.equal(file.findings.length, report(plain).summary.fail);
    assert.match(file.findings[0]!.fingerprint, /^[0-9a-f]{32}$/);

    const same = await runCli([...args, '--baseline', baseline], { cwd: dir, env });
    assert.equal(same.code, 0, same.stderr);
    assert.equal(report(same).summary.baselined, report(same).summary.fail);
    assert.deepEqual(counting(report(same)), []);
    const text = await runCli(['audit', ...targets, '--fail-on', 'medium', '--baseline', baseline], { cwd: dir, env });
    assert.match(text.stdout, new RegExp(`${file.findings.length} in the baseline`));

    // The same server, restarted on its port with one more weakness.
    const port = guarded.port;
    await guarded.stop();
    guarded = await startRedis({ port, conf: `requirepass ${PASSWORD}\nenable-debug-command yes`, password: PASSWORD });
    const worse = await runCli([...args, '--baseline', baseline], { cwd: dir, env });
    assert.equal(worse.code, 1, worse.stderr);
    const fresh = counting(report(worse));
    // enable-debug-command yes opens DEBUG to the default user: commands.dangerous-not-renamed now counts it too.
    assert.deepEqual(fresh.map((f) => [f.ruleId, f.target]), [['commands.dangerous-not-renamed', guarded.url], ['commands.protected-features-enabled', guarded.url]]);

    const missing = await runCli([...args, '--baseline', join(dir, 'none.json')], { cwd: dir, env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /none\.json: cannot read the baseline: no such file\n$/);
  });
});
