import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { startExporter } from '../../src/exporter/server.ts';
import { RULES } from '../../src/rules/index.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

after(stopAll);

const RULES_FILE = resolve(import.meta.dirname, '..', '..', 'examples', 'prometheus', 'rules', 'redfort.rules.yml');

/** The scrape's samples as promtool input series of one target (instance, job added), constant for the test's span. */
function inputSeries(body: string, instance: string): string {
  return body.split('\n')
    .filter((l) => /^redfort_(rule_failed|unauthenticated_access)[{ ]/.test(l))
    .map((l) => {
      const value = l.slice(l.lastIndexOf(' ') + 1);
      const head = l.slice(0, l.lastIndexOf(' '));
      const target = `instance="${instance}",job="redfort"`;
      const series = head.includes('{') ? head.replace(/\}$/, `,${target}}`) : `${head}{${target}}`;
      return `      - series: '${series}'\n        values: '${value}x10'`;
    })
    .join('\n');
}

// QA43-58: the health-check default user (`on nopass resetchannels -@all +ping`) answers PING without a password and
// nothing else. redfort_unauthenticated_access stays 1 (its meaning: PING was answered without AUTH), the rule fails
// low, and the example alert RedisAuthenticationOpen ("can read, change and delete its data") must not fire through
// its `or` branch; a default user that runs everything still fires it.
it('a PING-only password-less default user: metric 1, rule low, and RedisAuthenticationOpen does not fire', async () => {
  const pass = randomBytes(16).toString('hex');
  const [pingOnly, open] = await Promise.all([startRedis({ killOnStop: true }), startRedis({ killOnStop: true })]);
  const replies = await rawPipeline(pingOnly.host, pingOnly.port, [['ACL', 'SETUSER', 'auditor', 'on', `>${pass}`, '~*', '&*', '+@all'], ['ACL', 'SETUSER', 'default', 'on', 'nopass', 'resetchannels', '-@all', '+ping'], ['GET', 'x']]);
  assert.deepEqual(replies.slice(0, 2), ['OK', 'OK']);
  assert.match(String(replies[2]), /NOPERM/);
  assert.deepEqual(await rawPipeline(open.host, open.port, [['ACL', 'SETUSER', 'auditor', 'on', `>${pass}`, '~*', '&*', '+@all']]), ['OK']);
  const config = await parseExporterConfig(
    `modules:\n  default: { user: auditor, passwordEnv: TEST_PASSWORD, cacheSeconds: 0 }\nallow:\n  - 127.0.0.1:${pingOnly.port}\n  - 127.0.0.1:${open.port}\n`,
    'exporter.yaml',
    { env: { TEST_PASSWORD: pass }, readFile: (path) => readFile(path, 'utf8'), ruleIds: RULES.map((r) => r.id) },
  );
  const exporter = await startExporter({ config, listen: '127.0.0.1:0', log: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'redfort-ping-only-'));
  try {
    const scrape = async (port: number): Promise<string> => {
      const res = await fetch(`${exporter.url}/probe?target=127.0.0.1:${port}`);
      assert.equal(res.status, 200);
      return res.text();
    };
    const [pingBody, openBody] = [await scrape(pingOnly.port), await scrape(open.port)];
    assert.match(pingBody, /^redfort_probe_success 1$/m);
    assert.match(pingBody, /^redfort_unauthenticated_access 1$/m, 'the metric keeps its meaning: PING answered without AUTH');
    assert.match(pingBody, /^redfort_rule_failed\{rule="auth\.no-authentication",severity="low",section="Account"\} 1$/m);
    assert.match(openBody, /^redfort_rule_failed\{rule="auth\.no-authentication",severity="critical",section="Account"\} 1$/m);
    const test = `rule_files:\n  - '${RULES_FILE}'\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n${inputSeries(pingBody, 'ping-only:6379')}\n${inputSeries(openBody, 'open:6379')}\n    alert_rule_test:\n      - eval_time: 5m\n        alertname: RedisAuthenticationOpen\n        exp_alerts:\n          - exp_labels: { severity: critical, instance: 'open:6379', job: redfort, rule: auth.no-authentication, section: Account }\n            exp_annotations:\n              summary: 'open:6379 answers commands without a password'\n              description: 'Anyone who can reach open:6379 can read, change and delete its data. See \`redfort explain auth.no-authentication\`.'\n`;
    await writeFile(join(dir, 'live.test.yml'), test);
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', `promtool test rules '${join(dir, 'live.test.yml')}' 2>&1; echo "exit $?"`]);
    assert.match(`${stdout}${stderr}`, /exit 0\s*$/, `promtool says:\n${stdout}${stderr}`);
  } finally {
    await exporter.close(1000);
    await rm(dir, { recursive: true, force: true });
  }
});
