import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIX_SETTINGS } from '../../src/fix/rollback.ts';
import { processStart } from '../../src/fix/lock.ts';
import type { RollbackRecord } from '../../src/fix/rollback.ts';
import { rawCommand } from '../harness/raw.ts';
import { build, ROOT as REPO, runCli } from '../report/cli-run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { snapshot, workDir } from './helpers.ts';

// Files `redfort fix` reads that another local user may plant or edit (QA34-9, -10, -16, -17): a rollback record, a
// secrets file, an existing --out, the lock. Run as root (CI), a file of user nobody (65534) stands for the attacker's.
after(stopAll);
before(build);

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

async function configGet(server: RunningServer, name: string): Promise<string> {
  const reply = (await rawCommand(server.host, server.port, ['CONFIG', 'GET', name])) as string[];
  return reply[1]!;
}

describe('fix --rollback believes only what fix could have changed (QA34-9)', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    dir = workDir();
  });
  const cli = (args: string[]) => runCli(args, { cwd: dir });

  it('the plan settings and the settings fix sets are one list', () => {
    const source = readFileSync(join(REPO, 'src/fix/plan.ts'), 'utf8');
    const planned = new Set([...source.matchAll(/'CONFIG', 'SET', '([a-z-]+)'/g)].map((m) => m[1]!));
    assert.deepEqual([...planned].sort(), [...FIX_SETTINGS].sort());
  });

  for (const legacy of [false, true]) {
    it(`an edited record (${legacy ? 'older format, without touched' : 'touched recorded'}): no other file, setting or user than fix changed is touched`, async () => {
      const before = await snapshot(server);
      const bind = await configGet(server, 'bind');
      const protectedMode = await configGet(server, 'protected-mode');
      const applied = await cli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', 'rb.json']);
      assert.equal(applied.code, 0, applied.stderr);
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'private\n', { mode: 0o600 });
      const record = JSON.parse(readFileSync(join(dir, 'rb.json'), 'utf8')) as RollbackRecord;
      const node = record.nodes[0]! as RollbackRecord['nodes'][number] & { touched?: unknown };
      assert.ok(Array.isArray(node.touched) && node.touched.length > 0, 'apply records what its steps touch');
      if (legacy) delete node.touched;
      Object.assign(node, {
        files: [{ role: 'config', path: victim, mode: 0o666, uid: NOBODY, gid: NOBODY }],
        config: { ...node.config, 'protected-mode': protectedMode === 'yes' ? 'no' : 'yes', bind: '0.0.0.0' },
        users: { ...node.users, backdoor: 'user backdoor on nopass ~* &* +@all' },
        sentinel: [{ master: 'mymaster', field: 'notification-script', value: '/tmp/evil.sh' }],
      });
      writeFileSync(join(dir, 'rb.json'), JSON.stringify(record), { mode: 0o600 });
      const rolled = await cli(['fix', '--rollback', 'rb.json']);
      assert.equal(rolled.code, 1, rolled.stderr);
      assert.match(rolled.stdout, /NOT restored: .*CONFIG SET 'bind': not a setting fix changed here/);
      assert.match(rolled.stdout, /NOT restored: .*ACL SETUSER 'backdoor': not a user fix changed here/);
      assert.match(rolled.stdout, /NOT restored: .*SENTINEL SET 'mymaster' 'notification-script': not a sentinel field fix changed here/);
      assert.match(rolled.stdout, /restored .*CONFIG SET loglevel/);
      assert.equal(await configGet(server, 'bind'), bind);
      if (!legacy) assert.equal(await configGet(server, 'protected-mode'), protectedMode);
      else await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'protected-mode', protectedMode]);
      const acl = (await rawCommand(server.host, server.port, ['ACL', 'LIST'])) as string[];
      assert.ok(!acl.some((l) => l.startsWith('user backdoor ')), acl.join('\n'));
      const stat = statSync(victim);
      assert.deepEqual([stat.mode & 0o7777, stat.uid], [0o600, process.getuid!()]);
      assert.deepEqual(await snapshot(server), before);
    });
  }

  it('the node\'s own config file: never handed to another owner, never opened wider than it is', { skip: !ROOT && 'chown needs root' }, async () => {
    const before = await snapshot(server);
    const applied = await cli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', 'own.json']);
    assert.equal(applied.code, 0, applied.stderr);
    const record = JSON.parse(readFileSync(join(dir, 'own.json'), 'utf8')) as RollbackRecord;
    const node = record.nodes[0]!;
    Object.assign(node, { files: [{ role: 'config', path: server.confPath, mode: 0o666, uid: NOBODY, gid: NOBODY }], persisted: { configRewrite: true, aclSave: false } });
    (node as { touched?: unknown[] }).touched!.push({ kind: 'file', role: 'config' });
    writeFileSync(join(dir, 'own.json'), JSON.stringify(record), { mode: 0o600 });
    const was = statSync(server.confPath);
    const rolled = await cli(['fix', '--rollback', 'own.json']);
    assert.equal(rolled.code, 1, rolled.stderr);
    assert.match(rolled.stdout, /NOT restored: .*the recorded owner 65534:65534 is neither root nor the file's owner now/);
    const now = statSync(server.confPath);
    assert.notEqual(now.uid, NOBODY);
    assert.equal(now.mode & 0o022, was.mode & 0o022);
    // The mode alone, with an owner that is fine: still not wider than the file is.
    chmodSync(server.confPath, 0o600);
    const again = await cli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', 'own2.json']);
    assert.equal(again.code, 0, again.stderr);
    const r2 = JSON.parse(readFileSync(join(dir, 'own2.json'), 'utf8')) as RollbackRecord;
    Object.assign(r2.nodes[0]!, { files: [{ role: 'config', path: server.confPath, mode: 0o666, uid: now.uid, gid: now.gid }], persisted: { configRewrite: true, aclSave: false } });
    (r2.nodes[0] as { touched?: unknown[] }).touched!.push({ kind: 'file', role: 'config' });
    writeFileSync(join(dir, 'own2.json'), JSON.stringify(r2), { mode: 0o600 });
    const rolled2 = await cli(['fix', '--rollback', 'own2.json']);
    assert.equal(rolled2.code, 1, rolled2.stderr);
    assert.match(rolled2.stdout, /NOT restored: .*the recorded mode 0666 gives more than the file has now/);
    // (Its CONFIG REWRITE made the file anew: 0644 less the umask.)
    assert.equal(statSync(server.confPath).mode & 0o022, 0);
    chmodSync(server.confPath, before.mode);
    assert.deepEqual(await snapshot(server), before);
  });

  it("a record another user owns, or others may read, is refused: one line, exit 2, nothing changed", async () => {
    const before = await snapshot(server);
    const applied = await cli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', 'open.json']);
    assert.equal(applied.code, 0, applied.stderr);
    const changed = await snapshot(server);
    chmodSync(join(dir, 'open.json'), 0o644);
    const open = await cli(['fix', '--rollback', 'open.json']);
    assert.equal(open.code, 2, open.stderr);
    assert.equal(open.stderr.trim(), 'redfort: open.json: cannot read the rollback file: mode 644 lets others read it; chmod 600 it first');
    // An apply that would add to it refuses it too.
    const adding = await cli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', 'open.json']);
    assert.equal(adding.code, 2, adding.stderr);
    assert.match(adding.stderr, /^redfort: open\.json: cannot read the rollback file: mode 644 lets others read it/);
    assert.deepEqual(await snapshot(server), changed);
    if (ROOT) {
      chmodSync(join(dir, 'open.json'), 0o600);
      chownSync(join(dir, 'open.json'), NOBODY, NOBODY);
      const planted = await cli(['fix', '--rollback', 'open.json']);
      assert.equal(planted.code, 2, planted.stderr);
      assert.equal(planted.stderr.trim(), 'redfort: open.json: cannot read the rollback file: owned by uid 65534, not by root: not trusted (another user may have planted or changed it)');
      assert.deepEqual(await snapshot(server), changed);
      chownSync(join(dir, 'open.json'), 0, 0);
    }
    chmodSync(join(dir, 'open.json'), 0o600);
    const rolled = await cli(['fix', '--rollback', 'open.json']);
    assert.equal(rolled.code, 0, rolled.stderr + rolled.stdout);
    assert.deepEqual(await snapshot(server), before);
  });
});

describe('fix and harden take passwords only from a secrets file of their own user or root (QA34-10)', { skip: !ROOT && 'chown needs root' }, () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    dir = workDir();
  });

  it('a redfort-secrets.env another user planted is refused: one line, exit 2, no user made', async () => {
    const before = await snapshot(server);
    const planted = join(dir, 'redfort-secrets.env');
    writeFileSync(planted, 'REDFORT_PASSWORD_admin=attacker-knows-this-password-0123456789abcdef\n', { mode: 0o600 });
    chownSync(planted, NOBODY, NOBODY);
    const fix = await runCli(['fix', server.url, '--apply', '--no-probe', '--rollback-file', 'rb.json'], { cwd: dir });
    assert.equal(fix.code, 2, fix.stderr);
    assert.equal(fix.stderr.trim(), 'redfort: redfort-secrets.env: cannot read the secrets file: owned by uid 65534, not by root: not trusted (another user may have planted or changed it)');
    assert.ok(!existsSync(join(dir, 'rb.json')));
    assert.deepEqual(await snapshot(server), before);
    const plan = await runCli(['fix', server.url, '--plan', '--no-probe'], { cwd: dir });
    assert.equal(plan.code, 2, plan.stderr);
    const harden = await runCli(['harden', '--config', server.confPath, '--out', join(dir, 'h'), '--secrets', planted], { cwd: dir });
    assert.equal(harden.code, 2, harden.stderr);
    assert.match(harden.stderr.trim(), /^redfort: \S+redfort-secrets\.env: cannot use the --secrets file: owned by uid 65534, not by root: not trusted/);
    assert.equal(harden.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'h')));
    // Its own user's file is used.
    chownSync(planted, 0, 0);
    const own = await runCli(['fix', server.url, '--plan', '--no-probe'], { cwd: dir });
    assert.equal(own.code, 0, own.stderr);
  });

  // QA41-59: a link of another user's at the default name, leading to root's private secrets file of another
  // deployment: the file read is root's and 0600, so its own check passed, and fix reused (and sent) its passwords.
  it('a link another user made to a private file of root\'s is refused too, and so is a directory link on the way', async () => {
    const before = await snapshot(server);
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777);
    const prod = join(dir, 'prod.env');
    writeFileSync(prod, 'REDFORT_PASSWORD_admin=ProdAdminPassw0rd-ZZ-secret-0123456789\n', { mode: 0o600 });
    const link = join(shared, 'redfort-secrets.env');
    symlinkSync(prod, link);
    lchownSync(link, NOBODY, NOBODY);
    const refusal = `redfort: redfort-secrets.env: cannot read the secrets file: reached through ${link}, a symbolic link owned by uid 65534, not by root: not trusted (another user may have planted it)`;
    for (const mode of ['--plan', '--apply']) {
      const fix = await runCli(['fix', server.url, mode, '--no-probe', '--rollback-file', 'rb.json'], { cwd: shared });
      assert.equal(fix.code, 2, fix.stderr + fix.stdout);
      assert.equal(fix.stderr.trim(), refusal);
      assert.doesNotMatch(fix.stdout + fix.stderr, /ProdAdmin/);
    }
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is left as it is (not replaced by a copy of the file)');
    assert.equal(readFileSync(prod, 'utf8'), 'REDFORT_PASSWORD_admin=ProdAdminPassw0rd-ZZ-secret-0123456789\n');
    assert.ok(!existsSync(join(shared, 'rb.json')));
    assert.deepEqual(await snapshot(server), before);
    // Named with --secrets, through harden too.
    const harden = await runCli(['harden', '--config', server.confPath, '--out', join(dir, 'h2'), '--secrets', link], { cwd: dir });
    assert.equal(harden.code, 2, harden.stderr);
    assert.equal(harden.stderr.trim(), `redfort: ${link}: cannot use the --secrets file: reached through ${link}, a symbolic link owned by uid 65534, not by root: not trusted (another user may have planted it)`);
    // A link of another user's to a directory, on the way to the file.
    const privateDir = join(dir, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    writeFileSync(join(privateDir, 'redfort-secrets.env'), 'REDFORT_PASSWORD_admin=ProdAdminPassw0rd-ZZ-secret-0123456789\n', { mode: 0o600 });
    symlinkSync(privateDir, join(shared, 'd'));
    lchownSync(join(shared, 'd'), NOBODY, NOBODY);
    const viaDir = await runCli(['fix', server.url, '--plan', '--no-probe', '--secrets', 'd/redfort-secrets.env'], { cwd: shared });
    assert.equal(viaDir.code, 2, viaDir.stderr);
    assert.equal(viaDir.stderr.trim(), `redfort: d/redfort-secrets.env: cannot read the secrets file: reached through ${join(shared, 'd')}, a symbolic link owned by uid 65534, not by root: not trusted (another user may have planted it)`);
    // The same link made by the running user (or root) is followed.
    rmSync(link);
    symlinkSync(prod, link);
    const own = await runCli(['fix', server.url, '--plan', '--no-probe'], { cwd: shared });
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /reused from redfort-secrets\.env/i);
  });

  it('a rollback record reached through another user\'s link is refused: one line, exit 2, nothing changed', async () => {
    const before = await snapshot(server);
    const applied = await runCli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's3.env', '--rollback-file', 'rb3.json'], { cwd: dir });
    assert.equal(applied.code, 0, applied.stderr);
    const changed = await snapshot(server);
    const link = join(dir, 'rb-link.json');
    symlinkSync(join(dir, 'rb3.json'), link);
    lchownSync(link, NOBODY, NOBODY);
    const planted = await runCli(['fix', '--rollback', 'rb-link.json'], { cwd: dir });
    assert.equal(planted.code, 2, planted.stderr);
    assert.equal(planted.stderr.trim(), `redfort: rb-link.json: cannot read the rollback file: reached through ${link}, a symbolic link owned by uid 65534, not by root: not trusted (another user may have planted it)`);
    assert.deepEqual(await snapshot(server), changed);
    const rolled = await runCli(['fix', '--rollback', 'rb3.json'], { cwd: dir });
    assert.equal(rolled.code, 0, rolled.stderr + rolled.stdout);
    assert.deepEqual(await snapshot(server), before);
  });
});

describe('fix --plan --out replaces only an earlier plan, and fix writes no file of the nodes it plans for (QA34-16)', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    dir = workDir();
  });
  const cli = (args: string[]) => runCli(['fix', server.url, '--plan', '--no-probe', ...args], { cwd: dir });

  it('an existing --out that is not a plan (the server\'s own redis.conf, any file) is refused: one line, exit 2, nothing written', async () => {
    const conf = readFileSync(server.confPath);
    const own = await cli(['--out', server.confPath, '--secrets', 'own.env']);
    assert.equal(own.code, 2, own.stderr);
    assert.equal(own.stderr.trim(), `redfort: --out ${server.confPath}: exists and is not a redfort fix plan (--out replaces only a plan fix saved): remove it or give another --out`);
    assert.deepEqual(readFileSync(server.confPath), conf);
    assert.ok(!existsSync(join(dir, 'own.env')), 'refused before the secrets file is written');
    // Any other file: its content is never shown; JSON of another format is not a plan either.
    for (const [name, text] of [['notes.txt', 'private words\n'], ['other.json', '{"format": "redfort-fix-rollback"}\n'], ['empty.json', '']] as const) {
      writeFileSync(join(dir, name), text);
      const run = await cli(['--out', name, '--secrets', 'own.env']);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trim(), `redfort: --out ${name}: exists and is not a redfort fix plan (--out replaces only a plan fix saved): remove it or give another --out`);
      assert.equal(readFileSync(join(dir, name), 'utf8'), text);
    }
    // A plan fix saved is replaced by the next one.
    for (const time of ['new', 'again']) {
      const saved = await cli(['--out', 'plan.json', '--secrets', 'own.env']);
      assert.equal(saved.code, 0, `${time}: ${saved.stderr}`);
      assert.equal((JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { format: string }).format, 'redfort-fix-plan');
    }
  });

  it('no file fix writes (--out, --secrets, --rollback-file) is a file of a node as gathered, or another of them', async () => {
    const conf = readFileSync(server.confPath);
    // The RDB file (save "" : there is none yet) of the server, known from the host audit.
    const rdb = join(dirname(server.confPath), 'dump.rdb');
    const out = await cli(['--out', rdb, '--secrets', 'own.env']);
    assert.equal(out.code, 2, out.stderr);
    assert.equal(out.stderr.trim(), `redfort: --out ${rdb}: is the RDB file of 127.0.0.1:${server.port}: fix never writes a node's own files: give another --out`);
    assert.ok(!existsSync(rdb));
    // Its config file, through a link: the real path is what counts.
    symlinkSync(server.confPath, join(dir, 'conf-link.env'));
    const secrets = await cli(['--secrets', 'conf-link.env']);
    assert.equal(secrets.code, 2, secrets.stderr);
    assert.equal(secrets.stderr.trim(), `redfort: --secrets conf-link.env: (${server.confPath}) is the config file of 127.0.0.1:${server.port}: fix never writes a node's own files: give another --secrets`);
    const rollback = await runCli(['fix', server.url, '--apply', '--no-probe', '--secrets', 'own.env', '--rollback-file', server.confPath], { cwd: dir });
    assert.equal(rollback.code, 2, rollback.stderr);
    assert.equal(rollback.stderr.trim(), `redfort: --rollback-file ${server.confPath}: is the config file of 127.0.0.1:${server.port}: fix never writes a node's own files: give another --rollback-file`);
    assert.deepEqual(readFileSync(server.confPath), conf);
    // The plan over the passwords it was to be given with.
    const same = await cli(['--out', 'both.env', '--secrets', 'both.env']);
    assert.equal(same.code, 2, same.stderr);
    assert.equal(same.stderr.trim(), 'redfort: --secrets both.env: is the --out file too: give each its own file');
    assert.ok(!existsSync(join(dir, 'both.env')));
  });
});

describe('fix locks are the running user\'s own (QA34-17)', () => {
  let server: RunningServer;
  let dir: string;
  let tmp: string;
  let lockName: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    dir = workDir();
    // The temp directory of these runs: world-writable and sticky, as /tmp is.
    tmp = join(dir, 'tmp');
    mkdirSync(tmp, { mode: 0o1777 });
    chmodSync(tmp, 0o1777);
    lockName = `redfort-fix-127.0.0.1-${server.port}.lock`;
  });
  const env = (xdg = '') => ({ TMPDIR: tmp, XDG_RUNTIME_DIR: xdg });
  const own = () => join(tmp, `redfort-fix-${process.getuid!()}`);
  let runs = 0;
  /** An apply (rolled back when it worked, and the server checked to be as it was); its exit code and output. */
  async function applied(xdg = ''): Promise<{ code: number | null; stdout: string }> {
    const before = await snapshot(server);
    const record = `rb-${++runs}.json`;
    const run = await runCli(['fix', server.url, '--apply', '--no-probe', '--secrets', 's.env', '--rollback-file', record], { cwd: dir, env: env(xdg) });
    if (run.code === 0) {
      const back = await runCli(['fix', '--rollback', record], { cwd: dir, env: env(xdg) });
      assert.equal(back.code, 0, back.stderr + back.stdout);
    }
    assert.deepEqual(await snapshot(server), before);
    return { code: run.code, stdout: run.stdout };
  }

  it('a lock planted in the temp directory (another user\'s, naming a live pid) keeps no fix off a node', async () => {
    writeFileSync(join(tmp, lockName), '1\n');
    if (ROOT) chownSync(join(tmp, lockName), NOBODY, NOBODY);
    const run = await applied();
    assert.equal(run.code, 0, run.stdout);
    const made = statSync(own());
    assert.ok(made.isDirectory());
    assert.equal(made.mode & 0o777, 0o700);
    assert.ok(!existsSync(join(own(), lockName)), 'released');
  });

  it('the lock directory is refused unless a private directory of the running user: one line, exit 2, nothing changed', async () => {
    mkdirSync(own(), { recursive: true, mode: 0o700 });
    chmodSync(own(), 0o755);
    const open = await applied();
    assert.equal(open.code, 2, open.stdout);
    assert.match(open.stdout, new RegExp(`^Refused, nothing applied: the lock directory ${own()} is mode 755: open to its group or others \\(chmod 700 it, or remove it\\): not used \\(remove it, or set TMPDIR to a directory of yours\\)$`, 'm'));
    chmodSync(own(), 0o700);
    rmSync(own(), { recursive: true });
  });

  // QA41-53: any local user could make the temp directory's name first (before root's first fix, after a reboot): a
  // directory of theirs, or a link, refused every fix of root's for as long as they liked. It is not used now, nor
  // taken over: the locks go to a place only the user can make (root: /run/redfort), and the fix runs.
  it('a directory of another user, or a link, at the name is skipped for a private place of the user\'s own', { skip: !ROOT && 'needs root: plants a directory of another user' }, async () => {
    const fallback = '/run/redfort';
    mkdirSync(own(), { mode: 0o700 });
    chownSync(own(), NOBODY, NOBODY);
    const foreign = await applied();
    assert.equal(foreign.code, 0, foreign.stdout);
    const made = lstatSync(fallback);
    assert.ok(made.isDirectory() && made.uid === 0 && (made.mode & 0o777) === 0o700, `${fallback}: ${made.mode.toString(8)}`);
    assert.ok(!existsSync(join(fallback, lockName)), 'released');
    assert.equal(statSync(own()).uid, NOBODY, 'the other user\'s directory is left as it is');
    // Two fixes on one node still exclude each other there: a lock of a running fix in the fallback is believed.
    writeFileSync(join(fallback, lockName), `${process.pid} ${processStart(process.pid)}\n`, { mode: 0o600 });
    try {
      const held = await applied();
      assert.equal(held.code, 2, held.stdout);
      assert.match(held.stdout, new RegExp(`another redfort fix \\(pid ${process.pid}\\) is working on 127\\.0\\.0\\.1:${server.port} \\(lock file ${fallback}/${lockName}\\)$`, 'm'));
    } finally {
      rmSync(join(fallback, lockName), { force: true });
    }
    rmSync(own(), { recursive: true });
    // A link to a private directory is not one: whoever made the link chose where the locks go.
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, own());
    const link = await applied();
    assert.equal(link.code, 0, link.stdout);
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing is put where the link leads');
    rmSync(own());
  });

  it('a lock is believed only when it is the user\'s own and names a process that runs now (its pid and start time)', async () => {
    mkdirSync(own(), { recursive: true, mode: 0o700 });
    const lock = join(own(), lockName);
    const start = processStart(process.pid);
    assert.match(start ?? '', /^\d+$/);
    writeFileSync(lock, `${process.pid} ${start}\n`);
    const held = await applied();
    assert.equal(held.code, 2, held.stdout);
    assert.match(held.stdout, new RegExp(`^Refused, nothing applied: another redfort fix \\(pid ${process.pid}\\) is working on 127\\.0\\.0\\.1:${server.port} \\(lock file ${lock}\\)$`, 'm'));
    if (ROOT) {
      chownSync(lock, NOBODY, NOBODY);
      const foreign = await applied();
      assert.equal(foreign.code, 0, foreign.stdout);
    }
    // The pid of a process that started later than the one that wrote the lock: the kernel gave it a dead fix's pid.
    writeFileSync(lock, `${process.pid} ${Number(start) - 1}\n`);
    const recycled = await applied();
    assert.equal(recycled.code, 0, recycled.stdout);
    assert.ok(!existsSync(lock));
  });

  it('XDG_RUNTIME_DIR holds the locks when it is private, else the temp directory does', async () => {
    const xdg = join(dir, 'xdg');
    mkdirSync(xdg, { mode: 0o700 });
    writeFileSync(join(xdg, lockName), `${process.pid} ${processStart(process.pid)}\n`);
    const held = await applied(xdg);
    assert.equal(held.code, 2, held.stdout);
    assert.match(held.stdout, new RegExp(`lock file ${xdg}/${lockName}\\)$`, 'm'));
    chmodSync(xdg, 0o755);
    const open = await applied(xdg);
    assert.equal(open.code, 0, open.stdout);
  });
});
