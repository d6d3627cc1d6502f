import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { RULES } from '../../src/rules/index.ts';
import { readSecretFile, secretFileExposure } from '../../src/util/secret-file.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// A password no message may show.
const PW = 'pwfile-mode-Tq73vB';

let dir: string;
let server: RunningServer;

before(async () => {
  await build();
  dir = await mkdtemp(join(tmpdir(), 'redfort-pwfile-'));
  server = await startRedis({ conf: `requirepass ${PW}`, password: PW });
});

after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Audits the one server with its password from `file` (given in the inventory at line 3). */
async function auditWith(file: string) {
  const inventory = join(dir, 'fleet.yaml');
  await writeFile(inventory, `targets:\n  - url: redis://127.0.0.1:${server.port}\n    passwordFile: ${file}\n`);
  const report = join(dir, 'r.json');
  await rm(report, { force: true });
  const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none', '-o', `json=${report}`], { killAfterMs: 30_000 });
  const json = await readFile(report, 'utf8').catch(() => '');
  assert.ok(!run.stdout.includes(PW) && !run.stderr.includes(PW) && !json.includes(PW), 'the password was shown');
  return { ...run, report: json === '' ? undefined : (JSON.parse(json) as { targets: { error?: string; server?: unknown }[] }) };
}

describe('passwordFile: its mode and owner', () => {
  it('a password file its group and others may read is used, with a warning naming the inventory line, the file and its mode', async () => {
    const file = join(dir, 'open.pw');
    await writeFile(file, `${PW}\n`);
    await chmod(file, 0o644);
    const run = await auditWith(file);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.report?.targets[0]?.server, 'the target was audited with the password');
    assert.match(run.stderr, new RegExp(`fleet\\.yaml:3: the password file '${file.replace(/[.]/g, '\\.')}' has mode 644: its group and others may read it \\(chmod 600\\)`));
    await chmod(file, 0o640);
    assert.match((await auditWith(file)).stderr, /has mode 640: its group may read it \(chmod 600\)/);
  });

  it('a password file only its owner may read gives no warning', async () => {
    const file = join(dir, 'closed.pw');
    await writeFile(file, `${PW}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    const run = await auditWith(file);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.report?.targets[0]?.server);
    assert.doesNotMatch(run.stderr, /password file/);
  });

  it('a password file owned by another user (neither the one running redfort nor root) is named with its owner', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const file = join(dir, 'foreign.pw');
    await writeFile(file, `${PW}\n`, { mode: 0o600 });
    await chown(file, 65534, 65534);
    const run = await auditWith(file);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /fleet\.yaml:3: the password file '.*foreign\.pw' is owned by uid 65534, not by root: that user may read it and change it/);
  });

  it('a FIFO is refused before it is opened (no wait for a writer), the target alone failing', async () => {
    const fifo = join(dir, 'pw.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = await auditWith(fifo);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /fleet\.yaml:2: cannot read the password file '.*pw\.fifo': a FIFO, not a regular file/);
  });

  it('the owner check: another user but root is named; root and oneself are not', () => {
    assert.equal(secretFileExposure({ mode: 0o100600, uid: 1000 }, 1000), undefined);
    assert.equal(secretFileExposure({ mode: 0o100400, uid: 0 }, 1000), undefined);
    assert.equal(secretFileExposure({ mode: 0o100600, uid: 1001 }, 1000), 'is owned by uid 1001, neither you (uid 1000) nor root: that user may read it and change it');
    assert.equal(secretFileExposure({ mode: 0o100604, uid: 1001 }, 0), 'has mode 604: others may read it (chmod 600); is owned by uid 1001, not by root: that user may read it and change it');
  });

  it("the exporter's passwordFile and bearerTokenFile are judged alike: a warning naming the config's line, never the secret", async () => {
    const [pw, token] = [join(dir, 'exporter.pw'), join(dir, 'token')];
    await writeFile(pw, `${PW}\n`);
    await chmod(pw, 0o644);
    await writeFile(token, 'token-Zr55kD\n', { mode: 0o600 });
    await chmod(token, 0o600);
    const config = await parseExporterConfig(`modules:\n  default:\n    passwordFile: ${pw}\nallow:\n  - 127.0.0.1:6379\nweb:\n  bearerTokenFile: ${token}\n`, '/etc/redfort/exporter.yaml', {
      env: {},
      readFile: () => Promise.reject(new Error('not read so')),
      readSecretFile: (path) => readSecretFile(path, 4096),
      ruleIds: RULES.map((r) => r.id),
    });
    assert.equal(config.modules.get('default')?.password, PW);
    assert.deepEqual(config.warnings, [`/etc/redfort/exporter.yaml:3: modules: default: passwordFile '${pw}' has mode 644: its group and others may read it (chmod 600)`]);
  });
});
