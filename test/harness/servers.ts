import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { constants, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from './wait.ts';
import { promisify } from 'node:util';
import { makeCerts } from './certs.ts';
import type { CertSet } from './certs.ts';
import { rawCommand, RespError } from './raw.ts';
import type { RawTlsOptions } from './raw.ts';

export interface FreePortOptions {
  /** Also require port + 10000 (the cluster bus port) to be free. */
  withBusPort?: boolean;
}

export interface TlsOptions {
  /** `tls-auth-clients`; Redis defaults to `yes`. */
  authClients?: 'yes' | 'no' | 'optional';
  /** Also listen on a plaintext port; then `port` is the plaintext one. */
  plaintextPort?: boolean;
  /** Defaults to makeCerts(). */
  certs?: CertSet;
  /** Server certificate and key; default certs.serverCert / certs.serverKey. */
  cert?: string;
  key?: string;
  /**
   * Start the server with OPENSSL_CONF set to a SECLEVEL=0 system default.
   * Needed for certs.weakCert: Debian's libssl refuses a 1024-bit key at its
   * default level, and Redis applies `tls-ciphers` only after loading the
   * certificate, so `tls-ciphers DEFAULT:@SECLEVEL=0` cannot help.
   */
  legacySeclevel?: boolean;
  /** The name the harness's own clients check the server certificate against (a certificate without the IP address). */
  servername?: string;
}

export type FileSpec = string | { content: string; mode?: number };

export interface StartOptions {
  /** Extra redis.conf lines, appended after the base config (later lines win). */
  conf?: string;
  /**
   * The whole config file, written verbatim instead of the base config (no `dir`, `logfile`,
   * `save`...; the cwd is still the server dir and the log goes to stdout). Gets the chosen port.
   * For tests that need the file's exact bytes and line numbers, or the compiled-in defaults.
   * Not with `conf` or `tls`.
   */
  confText?: (port: number) => string;
  /** Files written into the server dir before start; names are relative to it. */
  files?: Record<string, FileSpec>;
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Fixed port; by default a free one is picked (and retried if taken meanwhile). */
  port?: number;
  tls?: boolean | TlsOptions;
  /** Start redis-sentinel instead of redis-server. */
  sentinel?: boolean;
  /**
   * The executable to run instead of redis-server (or redis-sentinel) on PATH: a real build of another version
   * (realBuild() of ./builds.ts, for the opt-in suite test/builds/).
   */
  binary?: string;
  /** Extra command-line arguments after the config path. */
  args?: string[];
  /** Credentials for the readiness check (`AUTH [username] password`). */
  password?: string;
  username?: string;
  /** Run the server as this OS user, or this bare uid (`'999'`) (only when root); the dir is chowned to it. */
  user?: string;
  env?: Record<string, string>;
  /**
   * How long the server has to answer PING (default 30 s; a server that exits is seen at once). 10 s was too little on
   * 2 loaded cores: servers that logged 'Ready to accept connections' left every PING of 10 s unanswered.
   */
  readyTimeoutMs?: number;
  /**
   * stop() kills the server (SIGKILL) instead of shutting it down with SIGTERM, which may save
   * and waits for the next serverCron tick (up to 1 s with `hz 1`). For throw-away servers.
   */
  killOnStop?: boolean;
}

/** A server that exited on its own at start (see startRedisExpectingExit). */
export interface ExitedServer {
  kind: 'redis' | 'sentinel';
  /** The server's temporary directory, kept (with its config) until stop(). */
  dir: string;
  confPath: string;
  /** null when a signal ended it. */
  exitCode: number | null;
  /** Everything it wrote: stdout and stderr, then its logfile. */
  output: string;
  /** Removes the directory. */
  stop(): Promise<void>;
}

/** A server started by the harness. */
export interface RunningServer {
  kind: 'redis' | 'sentinel';
  host: string;
  /** Where clients connect: the plaintext port, or the TLS port for a TLS-only server. */
  port: number;
  tlsPort?: number;
  /** Set for TLS servers. */
  certs?: CertSet;
  /** The credentials given in StartOptions. */
  password?: string;
  username?: string;
  /** The server's own temporary directory (also its cwd and `dir`); removed on stop. */
  dir: string;
  confPath: string;
  pid: number;
  /** `redis://host:port`, or `rediss://` for a TLS-only server; without credentials. */
  url: string;
  logPath: string;
  /** TLS options for rawCommand when the server is TLS-only, else undefined. */
  rawTls?: RawTlsOptions;
  stop(): Promise<void>;
}

export interface ReplicaOptions extends StartOptions {
  masteruser?: string;
  masterauth?: string;
  /** Wait for `master_link_status:up`; default true. */
  waitForSync?: boolean;
}

export interface SentinelOptions {
  masterName?: string;
  /** `sentinel auth-user` / `sentinel auth-pass`: how the sentinels log in to the master. */
  authUser?: string;
  authPass?: string;
  /** The sentinels' own `requirepass`. */
  requirepass?: string;
  /** Credentials for the readiness check when the password is not `requirepass` (a `user default` line); default `requirepass`. */
  password?: string;
  /** Default: a majority of `count`. */
  quorum?: number;
  conf?: string;
}

export interface ClusterOptions {
  masters: number;
  replicasPerMaster: number;
  /** Nodes are spread round-robin over these, each announcing its host; default ['127.0.0.1']. */
  hosts?: string[];
  conf?: string;
  /** `requirepass` + `masterauth` on every node. */
  password?: string;
  tls?: boolean | TlsOptions;
  readyTimeoutMs?: number;
  /** Fixed ports, one per node in order (see freePortRun); by default each node gets a free one. */
  ports?: number[];
  /** The server every node runs instead of redis-server (a real build, see StartOptions.binary). */
  binary?: string;
}

export interface RunningCluster {
  nodes: RunningServer[];
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);
const running = new Map<number, { child: ChildProcess; dir: string; server?: RunningServer }>();
const handedOut = new Set<string>();
/** Directories of servers that exited at start, kept until their stop(). */
const keptDirs = new Set<string>();
let exitHooksInstalled = false;

class PortInUseError extends Error {}

/** A port that is free on `host` now (bind port 0, read, close). */
export async function freePort(host = '127.0.0.1', options: FreePortOptions = {}): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bind(host, 0);
    if (port === undefined) throw new Error(`cannot bind to ${host}`);
    const key = `${host}:${port}`;
    if (handedOut.has(key)) continue;
    if (options.withBusPort && (port + 10000 > 65535 || (await bind(host, port + 10000)) === undefined)) continue;
    handedOut.add(key);
    return port;
  }
  throw new Error(`no free port found on ${host}`);
}

/**
 * The first of `count` consecutive ports that are free on `host` now, as deployments number their nodes (7000-7005),
 * each with port + 10000 free too when `withBusPort`; `alsoFree` more ports after the run must be free as well (room
 * for what a test adds beside the run). Searched from a random start, so that parallel test files rarely meet.
 */
export async function freePortRun(count: number, host = '127.0.0.1', options: FreePortOptions & { alsoFree?: number } = {}): Promise<number> {
  const span = count + (options.alsoFree ?? 0);
  // Below the kernel's ephemeral range when there is room: a port there is never handed out by a bind to port 0
  // (freePort, in any test file) or to an outgoing connection, which took an `alsoFree` port between the check and a
  // hardened cluster's restart on it ('bind: Address already in use').
  const below = ephemeralLow() - span - (options.withBusPort ? 10_000 : 0) - 10_000;
  const [base, width] = below >= 2_000 ? [10_000, below] : [20_000, options.withBusPort ? 25_000 : 40_000];
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = base + Math.floor(Math.random() * width);
    const ports = Array.from({ length: span }, (_, i) => first + i);
    const needed = options.withBusPort ? [...ports, ...ports.slice(0, count).map((p) => p + 10_000)] : ports;
    if (needed.some((p) => handedOut.has(`${host}:${p}`))) continue;
    let free = true;
    for (const port of needed) {
      if ((await bind(host, port)) === undefined) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    for (const port of ports.slice(0, count)) handedOut.add(`${host}:${port}`);
    return first;
  }
  throw new Error(`no run of ${span} free ports found on ${host}`);
}

/** The first port of the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), 32768 when unknown. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function bind(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * Starts redis-server (or redis-sentinel) in a fresh temp dir and resolves once
 * it answers PING. Throws with the tail of its log if it exits or never answers.
 */
export function startRedis(options: StartOptions = {}): Promise<RunningServer> {
  return withPortRetries(options, () => startOnce(options, becomeReady));
}

/**
 * Starts redis-server (or redis-sentinel) as startRedis does, for a config it is expected to
 * refuse: resolves once the process exits, with its exit code and output, keeping its directory
 * until stop(). Rejects, after stopping it, if the server answers PING instead.
 */
export function startRedisExpectingExit(options: StartOptions = {}): Promise<ExitedServer> {
  return withPortRetries(options, () => startOnce(options, exitOnItsOwn));
}

async function withPortRetries<T>(options: StartOptions, start: () => Promise<T>): Promise<T> {
  const attempts = options.port === undefined ? 4 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      // Another process may grab the port between freePort() and the bind.
      if (!(error instanceof PortInUseError) || attempt >= attempts) throw error;
    }
  }
}

async function startOnce<T>(options: StartOptions, finish: (spawned: Spawned) => Promise<T>): Promise<T> {
  if (options.confText && (options.conf !== undefined || options.tls)) {
    throw new Error('confText replaces the whole config: it cannot be combined with conf or tls');
  }
  const host = options.host ?? '127.0.0.1';
  const kind = options.sentinel ? 'sentinel' : 'redis';
  const tlsOptions: TlsOptions | undefined = options.tls === true ? {} : options.tls || undefined;
  const certs = tlsOptions ? (tlsOptions.certs ?? (await makeCerts())) : undefined;
  const owner = options.user === undefined ? undefined : resolveUser(options.user);
  const withBusPort = /^\s*cluster-enabled\s+yes\b/im.test(options.conf ?? '');

  const dir = await mkdtemp(join(tmpdir(), 'redfort-test-'));
  try {
    const pick = () => (options.port !== undefined ? options.port : freePort(host, { withBusPort }));
    let plainPort = 0;
    let tlsPort: number | undefined;
    if (tlsOptions) {
      tlsPort = await pick();
      if (tlsOptions.plaintextPort) plainPort = await freePort(host, { withBusPort });
    } else {
      plainPort = await pick();
    }
    const port = plainPort || tlsPort!;
    const logPath = join(dir, kind === 'sentinel' ? 'sentinel.log' : 'redis.log');
    const confPath = join(dir, kind === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };

    const lines = [`port ${plainPort}`, `bind ${host}`, `dir ${quote(dir)}`, `logfile ${quote(logPath)}`, 'daemonize no'];
    if (kind === 'redis') {
      // No persistence; a replica's first sync starts at once instead of after 5 s.
      lines.push('save ""', 'appendonly no', 'repl-diskless-sync-delay 0');
    }
    if (tlsOptions && certs) {
      let cert = tlsOptions.cert ?? certs.serverCert;
      let key = tlsOptions.key ?? certs.serverKey;
      let ca = certs.ca;
      if (owner) {
        // The key files are root's 0600; give the server user its own copies.
        await mkdir(join(dir, 'tls'));
        const copy = async (file: string, name: string) => {
          const target = join(dir, 'tls', name);
          await copyFile(file, target);
          await chown(target, owner.uid, owner.gid);
          return target;
        };
        cert = await copy(cert, 'server.crt');
        key = await copy(key, 'server.key');
        ca = await copy(ca, 'ca.crt');
      }
      lines.push(
        `tls-port ${tlsPort}`,
        `tls-cert-file ${quote(cert)}`,
        `tls-key-file ${quote(key)}`,
        `tls-ca-cert-file ${quote(ca)}`,
        `tls-auth-clients ${tlsOptions.authClients ?? 'yes'}`,
      );
      if (tlsOptions.legacySeclevel) {
        const opensslConf = join(dir, 'openssl-seclevel0.cnf');
        await writeFile(
          opensslConf,
          'openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = defaults\n' +
            '[defaults]\nCipherString = DEFAULT:@SECLEVEL=0\n',
        );
        env.OPENSSL_CONF = opensslConf;
      }
    }
    if (options.conf) lines.push(options.conf.trim());
    await writeFile(confPath, options.confText ? options.confText(port) : lines.join('\n') + '\n');
    for (const [name, spec] of Object.entries(options.files ?? {})) {
      await writeServerFile(dir, name, spec);
    }
    if (owner) await chownTree(dir, owner);

    return await finish(
      await spawnServer({ kind, host, port, tlsPort, certs, dir, confPath, logPath, env, owner, options }),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface SpawnPlan {
  kind: 'redis' | 'sentinel';
  host: string;
  port: number;
  tlsPort: number | undefined;
  certs: CertSet | undefined;
  dir: string;
  confPath: string;
  logPath: string;
  env: Record<string, string | undefined>;
  owner: { uid: number; gid: number } | undefined;
  options: StartOptions;
}

interface Spawned {
  server: RunningServer;
  child: ChildProcess;
  exited: Promise<void>;
  stdioPath: string;
  options: StartOptions;
}

/** Spawns the server and registers it; does not wait for it. */
async function spawnServer(plan: SpawnPlan): Promise<Spawned> {
  const { kind, host, port, tlsPort, certs, dir, confPath, logPath, options } = plan;
  // stdout/stderr go to a file, not a pipe: config errors are printed there
  // before the logfile opens, and no pipe keeps the test process alive.
  const stdioPath = join(dir, 'stdio.log');
  const stdio = openSync(stdioPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.binary ?? (kind === 'sentinel' ? 'redis-sentinel' : 'redis-server'), [confPath, ...(options.args ?? [])], {
      cwd: dir,
      env: plan.env,
      stdio: ['ignore', stdio, stdio],
      uid: plan.owner?.uid,
      gid: plan.owner?.gid,
    });
  } finally {
    closeSync(stdio);
  }
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  if (child.pid === undefined) throw new Error(`cannot start ${kind}: ${(await spawnError).message}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.unref();
  installExitHooks();
  running.set(pid, { child, dir });
  // Lets scripts/test.sh find servers whose test process died without cleanup.
  await writeFile(join(dir, 'harness.pid'), `${pid} ${process.pid}\n`);

  const tlsOnly = tlsPort !== undefined && port === tlsPort;
  const rawTls: RawTlsOptions | undefined =
    tlsOnly && certs ? { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, ...(typeof options.tls === 'object' && options.tls.servername !== undefined && { servername: options.tls.servername }) } : undefined;
  let stopping: Promise<void> | undefined;
  const server: RunningServer = {
    kind,
    host,
    port,
    tlsPort,
    certs,
    password: options.password,
    username: options.username,
    dir,
    confPath,
    pid,
    url: `${tlsOnly ? 'rediss' : 'redis'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    logPath,
    rawTls,
    stop() {
      stopping ??= (async () => {
        await terminate(child, exited, options.killOnStop ? 'SIGKILL' : 'SIGTERM');
        running.delete(pid);
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return stopping;
    },
  };
  running.get(pid)!.server = server;
  return { server, child, exited, stdioPath, options };
}

async function becomeReady({ server, child, exited, stdioPath, options }: Spawned): Promise<RunningServer> {
  try {
    await waitReady(server, child, exited, options.readyTimeoutMs ?? 30_000, stdioPath);
  } catch (error) {
    await terminate(child, exited);
    running.delete(server.pid);
    throw error;
  }
  return server;
}

async function exitOnItsOwn({ server, child, exited, stdioPath, options }: Spawned): Promise<ExitedServer> {
  try {
    await waitReady(server, child, exited, options.readyTimeoutMs ?? 30_000, stdioPath);
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) {
      await terminate(child, exited);
      running.delete(server.pid);
      throw error;
    }
    running.delete(server.pid);
    const output = [stdioPath, server.logPath]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path, 'utf8'))
      .join('');
    if (/Address already in use/i.test(output)) throw new PortInUseError(output);
    const { kind, dir, confPath } = server;
    keptDirs.add(dir);
    return {
      kind,
      dir,
      confPath,
      exitCode: child.exitCode,
      output,
      async stop() {
        keptDirs.delete(dir);
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      },
    };
  }
  await server.stop();
  throw new Error(`${server.kind} on ${server.host}:${server.port} answered PING, but was expected to exit`);
}

async function waitReady(
  server: RunningServer,
  child: ChildProcess,
  exited: Promise<void>,
  timeoutMs: number,
  stdioPath: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  let lastProblem = 'no answer';
  const fail = (what: string) => {
    const tail = logTail(server.logPath, stdioPath);
    const message = `${server.kind} on ${server.host}:${server.port} ${what}\n--- log tail (${server.dir}) ---\n${tail}`;
    return /Address already in use/i.test(tail) ? new PortInUseError(message) : new Error(message);
  };
  for (;;) {
    if (hasExited) {
      throw fail(`exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (Date.now() > deadline) throw fail(`did not answer PING within ${timeoutMs} ms (${lastProblem})`);
    let answer: RespError | 'PONG' | undefined;
    try {
      await rawCommand(server.host, server.port, ['PING'], {
        tls: server.rawTls ? { ...server.rawTls, rejectUnauthorized: false } : undefined,
        password: server.password,
        user: server.username,
        timeoutMs: 1000,
      });
      answer = 'PONG';
    } catch (error) {
      if (error instanceof RespError) answer = error;
      lastProblem = (error as Error).message;
    }
    if (answer !== undefined && listensOn(server.pid, server.port) === false) {
      lastProblem = `port ${server.port} is answered by another process`;
    } else if (answer === 'PONG') {
      return;
    } else if (answer !== undefined && answer.code !== 'LOADING') {
      // A server that refuses us still answers: it is up (MASTERDOWN: a replica not serving stale data).
      if (answer.code === 'NOAUTH' || answer.code === 'DENIED' || answer.code === 'MASTERDOWN') return;
      // `rename-command PING ""`: the server looks PING up before anything else.
      if (answer.code === 'ERR' && /^ERR unknown command 'PING'/i.test(answer.message)) return;
      throw fail(`answered PING with an error: ${answer.message}`);
    }
    await sleep(50);
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  // A master may wait up to shutdown-timeout for lagging replicas; don't.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Whether `pid` holds the listening socket on `port`, read from /proc (Linux);
 * undefined elsewhere. Guards against a PING answered by another process that
 * owns the port while our server is failing to bind it.
 */
function listensOn(pid: number, port: number): boolean | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st ... inode; st 0A is LISTEN
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port && fields[9]) {
        inodes.add(fields[9]);
      }
    }
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function logTail(...paths: string[]): string {
  return paths
    .filter((path) => existsSync(path))
    .map((path) => {
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      return `[${basename(path)}]\n${lines.slice(-25).join('\n')}`;
    })
    .join('\n');
}

/** Starts a replica of `master`; waits for the initial sync unless `waitForSync: false`. */
export async function startReplica(master: RunningServer, options: ReplicaOptions = {}): Promise<RunningServer> {
  const { masteruser, masterauth, waitForSync = true, ...rest } = options;
  const lines = [`replicaof ${master.host} ${master.port}`];
  if (masteruser !== undefined) lines.push(`masteruser ${quote(masteruser)}`);
  if (masterauth !== undefined) lines.push(`masterauth ${quote(masterauth)}`);
  if (master.rawTls) {
    // A TLS-only master is reached over TLS with the replica's server certificate.
    lines.push('tls-replication yes');
    rest.tls ??= { certs: master.certs, plaintextPort: true };
  }
  if (rest.conf) lines.push(rest.conf);
  const replica = await startRedis({ ...rest, conf: lines.join('\n') });
  if (waitForSync) {
    try {
      await waitFor(
        // Both sides: the replica's link is up, and the master lists it as online (until then an audit of the master
        // sees a replica still syncing).
        async () =>
          /master_link_status:up/.test(String(await command(replica, ['INFO', 'replication']))) &&
          new RegExp(`port=(${[replica.port, replica.tlsPort].filter((p) => p !== undefined).join('|')}),state=online`).test(
            String(await command(master, ['INFO', 'replication'])),
          ),
        15_000,
        `replica ${replica.host}:${replica.port} to sync with ${master.host}:${master.port}`,
        replica,
      );
    } catch (error) {
      await replica.stop();
      throw error;
    }
  }
  return replica;
}

/** Starts `count` sentinels monitoring `master`, in parallel. */
export async function startSentinels(
  count: number,
  master: RunningServer,
  options: SentinelOptions = {},
): Promise<RunningServer[]> {
  const name = options.masterName ?? 'mymaster';
  const quorum = options.quorum ?? Math.floor(count / 2) + 1;
  const lines = [`sentinel monitor ${name} ${master.host} ${master.port} ${quorum}`, `sentinel down-after-milliseconds ${name} 5000`];
  if (options.authUser !== undefined) lines.push(`sentinel auth-user ${name} ${quote(options.authUser)}`);
  if (options.authPass !== undefined) lines.push(`sentinel auth-pass ${name} ${quote(options.authPass)}`);
  // Without sentinel-pass, a sentinel logs in to its peers with its own requirepass.
  if (options.requirepass !== undefined) lines.push(`requirepass ${quote(options.requirepass)}`);
  const tls = master.rawTls ? { certs: master.certs, plaintextPort: true } : undefined;
  if (tls) lines.push('tls-replication yes');
  if (options.conf) lines.push(options.conf);
  const sentinels = await startAll(
    Array.from({ length: count }, () => ({
      sentinel: true,
      conf: lines.join('\n'),
      password: options.password ?? options.requirepass,
      tls,
    })),
  );
  // A sentinel lists the master's replicas once it has read the master's INFO, and calls each one up (its link to the
  // master `ok`, not `disconnected`) once it has read that replica's own INFO: until then an audit through it sees a
  // master without replicas, or with replicas that cannot take over. Wait until every sentinel sees those the master
  // has online as up.
  const online = (String(await command(master, ['INFO', 'replication'])).match(/state=online/g) ?? []).length;
  if (online > 0) {
    try {
      for (const sentinel of sentinels) {
        await waitFor(
          async () => {
            const replicas = await command(sentinel, ['SENTINEL', 'REPLICAS', name]);
            if (!Array.isArray(replicas)) return false;
            const up = replicas.filter((entry) => {
              const fields = new Map<string, string>();
              const flat = Array.isArray(entry) ? entry.map(String) : [];
              for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
              return fields.get('master-link-status') === 'ok' && !/s_down|o_down|disconnected/.test(fields.get('flags') ?? '');
            });
            return up.length >= online;
          },
          15_000,
          `sentinel ${sentinel.host}:${sentinel.port} to list the ${online} replica(s) of ${master.host}:${master.port}`,
          sentinel,
        );
      }
    } catch (error) {
      await Promise.all(sentinels.map((s) => s.stop()));
      throw error;
    }
  }
  return sentinels;
}

/**
 * Starts masters × (1 + replicasPerMaster) nodes, spread round-robin over
 * `hosts`, joins them with `redis-cli --cluster create` and waits until every
 * node reports `cluster_state:ok`, knows every other node and (replicas) is in sync.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const hosts = options.hosts ?? ['127.0.0.1'];
  const total = options.masters * (1 + options.replicasPerMaster);
  const { password } = options;
  const tls: TlsOptions | undefined = options.tls === true ? {} : options.tls || undefined;
  const nodes = await startAll(
    Array.from({ length: total }, (_, i) => {
      const host = hosts[i % hosts.length]!;
      const lines = [
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        'cluster-node-timeout 5000',
        `cluster-announce-ip ${host}`,
      ];
      if (password !== undefined) lines.push(`requirepass ${quote(password)}`, `masterauth ${quote(password)}`);
      if (tls && !tls.plaintextPort) lines.push('tls-cluster yes', 'tls-replication yes');
      if (options.conf) lines.push(options.conf);
      return { host, conf: lines.join('\n'), password, tls, ...(options.ports?.[i] !== undefined ? { port: options.ports[i] } : {}), ...(options.binary !== undefined ? { binary: options.binary } : {}) };
    }),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const first = nodes[0]!;
    const cliArgs = ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`)];
    cliArgs.push('--cluster-replicas', String(options.replicasPerMaster), '--cluster-yes');
    if (password !== undefined) cliArgs.push('-a', password, '--no-auth-warning');
    if (first.rawTls) {
      const { ca = '', cert = '', key = '' } = first.rawTls;
      cliArgs.push('--tls', '--cacert', ca, '--cert', cert, '--key', key);
    }
    try {
      await execFileAsync('redis-cli', cliArgs, { timeout: 60_000 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed: ${(error as Error).message}\n${stdout}\n${stderr}`);
    }
    await waitFor(
      async () => {
        const states = await Promise.all(
          nodes.map(async (node) => {
            const info = String(await command(node, ['CLUSTER', 'INFO']));
            if (!/cluster_state:ok/.test(info) || !info.includes(`cluster_known_nodes:${total}`)) return false;
            // The roles spread by gossip: until every node sees every replica, a seed's CLUSTER NODES shows some as masters.
            const view = String(await command(node, ['CLUSTER', 'NODES']));
            if (view.split('\n').filter((line) => line.split(' ')[2]?.split(',').includes('slave')).length !== total - options.masters) return false;
            const replication = String(await command(node, ['INFO', 'replication']));
            return /role:master/.test(replication) || /master_link_status:up/.test(replication);
          }),
        );
        return states.every(Boolean);
      },
      options.readyTimeoutMs ?? 30_000,
      `cluster of ${total} nodes to reach cluster_state:ok`,
      first,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, stop };
}

/** Stops every server this process started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([
    ...[...running.values()].map(async ({ child, server }) => {
      if (server) await server.stop();
      else child.kill('SIGKILL');
    }),
    ...[...keptDirs].map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })),
  ]);
  keptDirs.clear();
}

/** rawCommand with the server's own credentials and TLS settings. */
function command(server: RunningServer, args: string[]) {
  return rawCommand(server.host, server.port, args, {
    tls: server.rawTls,
    password: server.password,
    user: server.username,
    timeoutMs: 2000,
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, server: RunningServer): Promise<void> {
  await eventually(what, check, { timeoutMs, detail: () => logTail(server.logPath) });
}

/** Starts servers in parallel; if one fails, stops the others and rethrows. */
async function startAll(list: StartOptions[]): Promise<RunningServer[]> {
  const results = await Promise.allSettled(list.map((options) => startRedis(options)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((server) => server.stop()));
    throw failed.reason;
  }
  return started;
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = () => {
    for (const [pid, { dir }] of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
    running.clear();
    for (const dir of keptDirs) rmSync(dir, { recursive: true, force: true });
    keptDirs.clear();
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // Exit as the signal would have, unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.exit(128 + constants.signals[signal]);
    });
  }
}

async function writeServerFile(dir: string, name: string, spec: FileSpec) {
  const relative = normalize(name);
  if (isAbsolute(relative) || relative === '..' || relative.startsWith(`..${sep}`)) {
    throw new Error(`files: '${name}' must be a path inside the server dir`);
  }
  const path = join(dir, relative);
  const { content, mode } = typeof spec === 'string' ? { content: spec, mode: undefined } : spec;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  if (mode !== undefined) await chmod(path, mode);
}

async function chownTree(dir: string, owner: { uid: number; gid: number }) {
  await chown(dir, owner.uid, owner.gid);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    await chown(join(entry.parentPath, entry.name), owner.uid, owner.gid);
  }
}

function resolveUser(user: string): { uid: number; gid: number } {
  // A bare number: that uid and gid, named or not on this host (a container image's user, as Docker's 999).
  if (/^\d+$/.test(user)) {
    if (process.getuid?.() !== 0) throw new Error(`running a server as uid ${user} needs root`);
    return { uid: Number(user), gid: Number(user) };
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  const uid = id('-u');
  if (process.getuid?.() !== 0 && process.getuid?.() !== uid) {
    throw new Error(`running a server as '${user}' needs root`);
  }
  return { uid, gid: id('-g') };
}

/** A config value in Redis's double-quoted syntax. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
