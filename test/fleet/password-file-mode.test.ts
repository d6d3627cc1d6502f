import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, chown, lchown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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

  // QA42-21: another user's link in a shared directory chose the file read (any file root can read), without a word.
  it('a password file reached through a symbolic link another user owns is named with that link and its owner', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const file = join(dir, 'real.pw');
    await writeFile(file, `${PW}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    const link = join(dir, 'link.pw');
    await symlink(file, link);
    await lchown(link, 65534, 65534);
    const run = await auditWith(link);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.report?.targets[0]?.server, 'the target was audited with the password');
    assert.match(run.stderr, new RegExp(`fleet\\.yaml:3: the password file '.*link\\.pw' is reached through .*link\\.pw, a symbolic link owned by uid 65534, not by root: that user may point it at another file`));
    // A directory of the path reached through such a link is named too; one's own link is not.
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await writeFile(join(sub, 'in.pw'), `${PW}\n`, { mode: 0o600 });
    await symlink(sub, join(dir, 'subdir'));
    assert.doesNotMatch((await auditWith(join(dir, 'subdir', 'in.pw'))).stderr, /password file/);
    await lchown(join(dir, 'subdir'), 65534, 65534);
    assert.match((await auditWith(join(dir, 'subdir', 'in.pw'))).stderr, /in\.pw' is reached through .*subdir, a symbolic link owned by uid 65534/);
  });

  // QA42-3: an inventory another user wrote named a root-only file as a passwordFile and a host of theirs: its first
  // line went out as AUTH. An inventory says which hosts get which secrets: one another user owns, or anyone may
  // write, is refused; standard input (the user's own choice) and sudo's caller's file are read.
  it('an inventory another user owns or anyone may write is refused, one line; stdin and the sudo caller\'s file are read', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const secret = join(dir, 'root-only.pw');
    await writeFile(secret, `${PW}\n`, { mode: 0o600 });
    await chmod(secret, 0o600);
    const inventory = join(dir, 'planted.yaml');
    await writeFile(inventory, `targets:\n  - { url: redis://127.0.0.1:${server.port}, passwordFile: ${secret} }\n`);
    await chown(inventory, 65534, 65534);
    const args = ['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none', '--format', 'json'];
    const refused = await runCli(args);
    assert.equal(refused.code, 2, refused.stdout);
    assert.equal(refused.stdout, '');
    assert.equal(refused.stderr, `redfort: ${inventory}: owned by uid 65534, not by root: not read (an inventory says which hosts get which passwords); '--targets - < ${inventory}' reads it\n`);
    const sudo = await runCli(args, { env: { SUDO_UID: '65534' } });
    assert.equal(sudo.code, 0, sudo.stderr);
    assert.ok((JSON.parse(sudo.stdout) as { targets: { server?: unknown }[] }).targets[0]?.server, 'audited with the password');
    await chown(inventory, 0, 0);
    await chmod(inventory, 0o666);
    const open = await runCli(args);
    assert.equal(open.code, 2, open.stdout);
    assert.match(open.stderr, /: anyone may write it \(mode 0666\): not read /);
    const piped = execFileSync('bash', ['-c', `node '${join(process.cwd(), 'bin', 'redfort.mjs')}' audit --targets - --no-probe --no-host --fail-on none --format json < '${inventory}'`], { encoding: 'utf8' });
    assert.ok((JSON.parse(piped) as { targets: { server?: unknown }[] }).targets[0]?.server, 'stdin is read');
  });

  // TWIN-2: the inventory's (and .redfort.yaml's) check looked at the file's own name only, the password and secrets
  // files' at every link on the way: a root-owned inventory reached through another user's link to its folder (which
  // that user may point at any of root's inventories) was read. One walk now (util/secret-file walkLinks).
  it("an inventory reached through another user's link to its folder is refused naming the link; sudo's caller's is read", { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const { refuseForeignInventory } = await import('../../src/settings/load.ts');
    const real = join(dir, 'roots-inventories');
    await mkdir(real, { recursive: true });
    await writeFile(join(real, 'prod.yaml'), 'redis://127.0.0.1:1\n', { mode: 0o600 });
    const link = join(dir, 'shared-link');
    await symlink(real, link);
    await lchown(link, 65534, 65534);
    const file = join(link, 'prod.yaml');
    const fd = openSync(file, 'r');
    try {
      assert.throws(() => refuseForeignInventory(file, fd), (error: Error) => error.message === `${file}: reached through ${link}, a symbolic link owned by uid 65534, not by root: not read (an inventory says which hosts get which passwords); '--targets - < ${file}' reads it`);
      process.env['SUDO_UID'] = '65534';
      assert.doesNotThrow(() => refuseForeignInventory(file, fd));
    } finally {
      delete process.env['SUDO_UID'];
      closeSync(fd);
    }
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
