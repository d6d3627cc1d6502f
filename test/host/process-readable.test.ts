import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { auditTarget } from '../../src/app/audit.ts';
import { listeningConfigFile } from '../../src/gather/host/index.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';

// QA34-18 (issue 12: never follow a server's word to a path). redfort runs as root: the config file named on the
// command line of the process listening on the port (and the includes and aclfile it leads to) is read only when
// that process's own user could read it. An unprivileged process naming a root-only file must not make root redfort
// read and judge it (file:line findings about /root/secret.conf).
//
// As root (CI) the servers run as nobody and the files are root's, mode 0600 (or in a 0700 directory). Without root
// the same runs happen as this user, with files of mode 0 (which only root could read): the process cannot read
// them, so redfort must not say anything read from them either.
after(stopAll);

const ROOT = process.getuid?.() === 0;
const NOBODY = ROOT ? { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) } : undefined;
const SERVER_UID = NOBODY?.uid ?? process.getuid!();
const PASSWORD = 'process-readable-password-0123456789';
const temps: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A directory the server's user may enter (0755). */
async function openDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'redfort-procread-'));
  temps.push(dir);
  await chmod(dir, 0o755);
  return dir;
}

/** A file the server's user cannot read: root's 0600 as root, else mode 0 (only root reads it). */
async function closedFile(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, ROOT ? 0o600 : 0);
  return path;
}

/**
 * A fake redis-server whose /proc/PID/cmdline is `redis-server CONF`, run as nobody when root: node, with argv[0]
 * `redis-server` and CONF as its main module, preloads a tiny RESP server (PING, INFO; every other command is an
 * error) and ignores that CONF cannot be loaded. A real redis-server cannot start with a file it cannot read.
 */
async function fakeServer(conf: string, config: Record<string, string> = {}): Promise<{ port: number; pid: number; stop: () => void }> {
  const dir = await openDir();
  const script = join(dir, 'fake.cjs');
  await writeFile(script, `
const net = require('node:net');
process.on('uncaughtException', () => {});
const port = Number(process.env.FAKE_PORT);
const bulk = (t) => '$' + Buffer.byteLength(t) + '\\r\\n' + t + '\\r\\n';
net.createServer((s) => {
  s.on('error', () => {});
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      let argv;
      if (buf.startsWith('*')) {
        const lines = buf.split('\\r\\n');
        const n = Number(lines[0].slice(1));
        if (lines.length < 2 * n + 2) return;
        argv = [];
        for (let i = 0; i < n; i++) argv.push(lines[2 + 2 * i]);
        buf = lines.slice(1 + 2 * n).join('\\r\\n');
      } else {
        const i = buf.indexOf('\\r\\n');
        if (i < 0) return;
        argv = buf.slice(0, i).split(' ');
        buf = buf.slice(i + 2);
      }
      const cmd = (argv[0] || '').toUpperCase();
      if (cmd === 'PING') s.write('+PONG\\r\\n');
      else if (cmd === 'INFO') s.write(bulk('# Server\\r\\nredis_version:7.0.15\\r\\nredis_mode:standalone\\r\\nos:Linux\\r\\nprocess_id:' + process.pid + '\\r\\ntcp_port:' + port + '\\r\\nconfig_file:\\r\\n'));
      else if (cmd === 'CONFIG' && (argv[1] || '').toUpperCase() === 'GET') {
        // CONFIG GET *: what FAKE_CONFIG says (a hostile server's settings); any other pattern: nothing.
        const config = { ...JSON.parse(process.env.FAKE_CONFIG || '{}'), ...(process.env.FAKE_CONFIG ? { port: String(port) } : {}) };
        const pairs = argv.length === 3 && argv[2] === '*' ? Object.entries(config).flat() : [];
        s.write('*' + pairs.length + '\\r\\n' + pairs.map(bulk).join(''));
      }
      else s.write('-ERR unknown command\\r\\n');
    }
  });
}).listen(port, '127.0.0.1');
`);
  await chmod(script, 0o644);
  // Named redis-server, as the executable's name is what the kernel gives the process (comm), what redfort checks.
  const exe = join(dir, 'redis-server');
  await symlink(process.execPath, exe);
  const port = await freePort();
  const child = spawn(exe, [conf], {
    argv0: 'redis-server',
    ...(NOBODY ? { uid: NOBODY.uid, gid: NOBODY.gid } : {}),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_OPTIONS: `--require ${script}`, FAKE_PORT: String(port), FAKE_CONFIG: JSON.stringify(config) },
    stdio: 'ignore',
    cwd: dir,
  });
  children.push(child);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await new Promise<boolean>((done) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); done(true); });
      socket.on('error', () => done(false));
    });
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the fake server on port ${port} did not start`);
    await sleep(50);
  }
  return { port, pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

async function audit(port: number): Promise<string> {
  const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { noProbe: true });
  assert.equal(result.error, undefined, result.error);
  return JSON.stringify(result);
}

describe('a config file named on the command line of the process listening on the port', () => {
  it('is read when that process can read it (a real redis-server, as nobody when root)', async () => {
    const server = await startRedis({ ...(ROOT ? { user: 'nobody' } : {}), conf: `requirepass ${PASSWORD}\nset-proc-title no`, password: PASSWORD });
    try {
      const found = await listeningConfigFile('127.0.0.1', server.port, { target: undefined, sources: new Set(), unavailable: {} } as never);
      assert.deepEqual(found.known && found.value, server.confPath, JSON.stringify(found));
      const result = await auditTarget(resolveTarget(server.url, { pass: PASSWORD }, {}), { noProbe: true });
      assert.equal(result.error, undefined, result.error);
      // Judged from the file: a finding cites it by line.
      assert.ok(JSON.stringify(result).includes(`${server.confPath}:`), 'no finding cites the config file');
    } finally {
      await server.stop();
    }
  });

  it('is not read when that process cannot read it: a root-only file named by an unprivileged process', async () => {
    const secret = await closedFile(await openDir(), 'secret.conf', `requirepass ${PASSWORD}\nprotected-mode no\nbind 0.0.0.0\n`);
    const fake = await fakeServer(secret);
    try {
      const found = await listeningConfigFile('127.0.0.1', fake.port, { target: undefined, sources: new Set(), unavailable: {} } as never);
      assert.equal(found.known, false, JSON.stringify(found));
      assert.match(!found.known ? found.reason : '', new RegExp(`^the config file named by pid ${fake.pid}: ${secret} is not readable by process ${fake.pid} \\(uid ${SERVER_UID}\\): not read$`));
      const report = await audit(fake.port);
      assert.ok(!report.includes(`${secret}:`), `a finding cites ${secret}: ${report}`);
      assert.ok(report.includes(`${secret} is not readable by process ${fake.pid} (uid ${SERVER_UID}): not read`), report);
    } finally {
      fake.stop();
    }
  });

  it('is not read when a directory on its path does not let that process search it', async () => {
    const top = await openDir();
    const hidden = join(top, 'hidden');
    await writeFile(join(top, 'x'), '');
    execFileSync('mkdir', ['-m', '0700', hidden]);
    const conf = join(hidden, 'redis.conf');
    await writeFile(conf, `requirepass ${PASSWORD}\nprotected-mode no\n`);
    await chmod(conf, 0o644);
    // Without root, the directory is closed to this user too (mode 0): the test reads nothing either.
    if (!ROOT) await chmod(hidden, 0);
    const fake = await fakeServer(conf);
    try {
      const found = await listeningConfigFile('127.0.0.1', fake.port, { target: undefined, sources: new Set(), unavailable: {} } as never);
      assert.equal(found.known, false, JSON.stringify(found));
      assert.match(!found.known ? found.reason : '', new RegExp(`${conf} is not (readable by|a regular file that) process ${fake.pid} \\(uid ${SERVER_UID}\\)`));
      const report = await audit(fake.port);
      assert.ok(!report.includes(`${conf}:`), `a finding cites ${conf}: ${report}`);
    } finally {
      fake.stop();
      await chmod(hidden, 0o700);
    }
  });

  it("reads it, but not the include or the aclfile it names that the process cannot read", async () => {
    const dir = await openDir();
    const extra = await closedFile(dir, 'extra.conf', 'protected-mode no\nrequirepass extra-password-0123456789\n');
    const acl = await closedFile(dir, 'users.acl', 'user default on nopass ~* +@all\nuser admin on >admin-password-0123 ~* +@all\n');
    const conf = join(dir, 'redis.conf');
    await writeFile(conf, `bind 127.0.0.1\ninclude ${extra}\n`);
    const aclConf = join(dir, 'acl.conf');
    await writeFile(aclConf, `bind 127.0.0.1\naclfile ${acl}\n`);
    await Promise.all([chmod(conf, 0o644), chmod(aclConf, 0o644)]);
    for (const [main, closed] of [[conf, extra], [aclConf, acl]] as const) {
      const fake = await fakeServer(main);
      try {
        const found = await listeningConfigFile('127.0.0.1', fake.port, { target: undefined, sources: new Set(), unavailable: {} } as never);
        assert.deepEqual(found.known && found.value, main, JSON.stringify(found));
        const report = await audit(fake.port);
        assert.ok(report.includes(`${main}:`), `no finding cites ${main}: ${report}`);
        assert.ok(!report.includes(`${closed}:`), `a finding cites ${closed}: …${report.slice(report.indexOf(`${closed}:`) - 300, report.indexOf(`${closed}:`) + 100)}`);
        assert.ok(report.includes(`${closed} is not readable by process ${fake.pid} (uid ${SERVER_UID})`) || report.includes(`${closed} is not read: it is not readable by process ${fake.pid} (uid ${SERVER_UID})`), report);
      } finally {
        fake.stop();
      }
    }
  });
});

// QA41-58: the host stage took the server's word for the paths of its data files: `appenddirname /root/.ssh-x` of an
// unprivileged process had root redfort list that directory and report the names and modes of what is in it, and a
// logfile or dbfilename under a directory the server cannot enter was statted and judged. Redis takes only a name
// for appenddirname, dbfilename and appendfilename; and a path is looked at only when the server's own user could
// reach it (every directory on the way lets it search), the AOF directory listed only when it could list it.
describe("the server's data files: looked at only where the server's user could look itself (QA41-58)", { skip: !ROOT && 'needs a server of another user' }, () => {
  // A whole CONFIG GET * of a real 7.0.15 (a reply without every setting is no server's), with the hostile values.
  let real: Record<string, string> = {};
  before(async () => {
    const server = await startRedis({ conf: 'loglevel warning' });
    const pairs = (await rawCommand(server.host, server.port, ['CONFIG', 'GET', '*'])) as string[];
    for (let i = 0; i + 1 < pairs.length; i += 2) real[pairs[i]!] = pairs[i + 1]!;
    real = { ...real, bind: '127.0.0.1' };
    await server.stop();
  });
  const hostile = (config: Record<string, string>) => ({ ...real, ...config });
  it('a directory it cannot enter is not listed, and nothing in it is statted or judged', async () => {
    const top = await openDir();
    const vault = join(top, 'vault');
    execFileSync('mkdir', ['-m', '0700', vault]);
    await writeFile(join(vault, 'hidden_key_name_ed25519'), 'x', { mode: 0o644 });
    await chmod(join(vault, 'hidden_key_name_ed25519'), 0o644);
    await writeFile(join(vault, 'server.log'), 'x', { mode: 0o644 });
    await chmod(join(vault, 'server.log'), 0o644);
    // The server's own data directory, private to it: judged, and nothing to say of it.
    const own = await openDir();
    await chown(own, NOBODY!.uid, NOBODY!.gid);
    await chmod(own, 0o750);
    const conf = join(await openDir(), 'redis.conf');
    await writeFile(conf, 'bind 127.0.0.1\n');
    await chmod(conf, 0o644);
    const cases: [string, Record<string, string>][] = [
      ['appenddirname absolute', { dir: own, appendonly: 'yes', appenddirname: vault, dbfilename: 'dump.rdb', logfile: '' }],
      ['appenddirname ../', { dir: own, appendonly: 'yes', appenddirname: `../${basename(top)}/vault`, dbfilename: 'dump.rdb', logfile: '' }],
      ['logfile and dbfilename inside', { dir: own, appendonly: 'no', appenddirname: 'appendonlydir', dbfilename: `../${basename(top)}/vault/hidden_key_name_ed25519`, logfile: join(vault, 'server.log') }],
      ['dir itself', { dir: vault, appendonly: 'yes', appenddirname: 'appendonlydir', dbfilename: 'hidden_key_name_ed25519', logfile: '' }],
    ];
    for (const [name, config] of cases) {
      const fake = await fakeServer(conf, hostile(config));
      try {
        const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${fake.port}`, {}, {}), { noProbe: true });
        assert.equal(result.error, undefined, result.error);
        const report = JSON.stringify(result);
        assert.ok(!report.includes('hidden_key_name') || config['dbfilename']!.includes('hidden_key_name'), `${name}: a name listed from the directory: ${report}`);
        // No mode, owner or existence said of anything in it (`…/vault/server.log (log file): mode 644, root:root`).
        const said = report.match(new RegExp(`${vault.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[^"; ]*)? \\([^)]*\\)(: mode \\d| does not exist)`, 'g'));
        assert.equal(said, null, `${name}: looked at with root's rights: ${said?.join('; ')}`);
        // Unknown is a skip that says why, never a verdict.
        const rule = result.results.filter((r) => r.ruleId === 'host.data-file-permissions');
        assert.deepEqual(rule.map((r) => r.status), ['skip'], `${name}: ${JSON.stringify(rule)}`);
        assert.match(rule[0]!.message, /cannot judge every data file: .*(cannot reach|a path, not a name)/, name);
      } finally {
        fake.stop();
      }
    }
  });

  it("its own directory, which it can enter, is still listed and judged", async () => {
    const own = await openDir();
    const aof = join(own, 'appendonlydir');
    execFileSync('mkdir', ['-m', '0755', aof]);
    await writeFile(join(aof, 'appendonly.aof.1.base.rdb'), 'x');
    await chmod(join(aof, 'appendonly.aof.1.base.rdb'), 0o644);
    const conf = join(own, 'redis.conf');
    await writeFile(conf, 'bind 127.0.0.1\n');
    await chmod(conf, 0o644);
    const fake = await fakeServer(conf, hostile({ dir: own, appendonly: 'yes', appenddirname: 'appendonlydir', dbfilename: 'dump.rdb', logfile: '' }));
    try {
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${fake.port}`, {}, {}), { noProbe: true });
      const rule = result.results.filter((r) => r.ruleId === 'host.data-file-permissions');
      assert.ok(rule.some((r) => r.status === 'fail' && r.message.startsWith(`${join(aof, 'appendonly.aof.1.base.rdb')} (AOF file): mode 644`)), JSON.stringify(rule));
    } finally {
      fake.stop();
    }
  });
});
