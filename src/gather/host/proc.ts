import { readdirSync, readlinkSync } from 'node:fs';
import { open, readdir, readlink } from 'node:fs/promises';
import { errnoOf, fsErrorText } from '../../util/fs-error.ts';
import { memo } from '../../util/memo.ts';
import { readProcMemoryText, readProcText } from '../../util/read-file.ts';
import type { HostListener, HostValue, Source } from '../../facts/types.ts';
import { SERVER_NAMES } from '../../facts/host.ts';
import { redactArgs } from '../../redis/command-line.ts';
import { titleRewritten } from '../../redis/process-title.ts';

/** A socket line of /proc/net/tcp or tcp6. */
export interface TcpSocket {
  readonly family: 'ip' | 'ip6';
  readonly address: string;
  readonly port: number;
  /** Kernel state: `0A` is LISTEN. */
  readonly state: string;
  readonly uid: number;
  readonly inode: string;
}

export interface UnixSocket {
  readonly inode: string;
  readonly path: string;
  readonly listening: boolean;
}

/** Names of the server executables `redfort audit --local` looks for (`Name:` of /proc/<pid>/status). */

const LISTEN = '0A';

/** `0100007F` (a little-endian u32, as the kernel prints it) -> `127.0.0.1`. */
function ipv4FromHex(hex: string): string {
  // The kernel prints the address as 8 hex digits (%08X): one number, no array per socket (a machine running a
  // fleet lists thousands of listening sockets).
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}`;
  }
  const bytes = hex.match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
  return bytes.reverse().join('.');
}

/** Four little-endian u32 words -> a compressed IPv6 address; IPv4-mapped addresses come out as `::ffff:a.b.c.d`. */
function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8).match(/../g)?.map((b) => parseInt(b, 16)) ?? [];
    bytes.push(...word.reverse());
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The longest run of zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * A socket line of /proc/net/tcp or tcp6 as the kernel prints it (`sl: local rem st tx:rx tr:when retrnsmt uid
 * timeout inode …`): local address, port, state, uid and inode; the second only in state `0A` (LISTEN).
 */
const tcpLine = (state: string): RegExp => new RegExp(String.raw`^ *\d+: +([0-9A-Fa-f]+):([0-9A-Fa-f]+) +\S+ +(${state}) +\S+ +\S+ +\S+ +(\d+) +\S+ +(\d+)`, 'gm');
const TCP_LINE = tcpLine('[0-9A-Fa-f]{2}');
const LISTENING_TCP_LINE = tcpLine(LISTEN);

/**
 * Parses /proc/net/tcp (`family: 'ip'`) or /proc/net/tcp6 (`'ip6'`); with `listeningOnly`, the LISTEN sockets alone.
 * One pass of one regular expression over the text, the other lines never split nor decoded: a machine running a
 * fleet has thousands of sockets, and splitting and decoding each line cost tens of milliseconds of every local
 * audit.
 */
export function parseProcNetTcp(text: string, family: 'ip' | 'ip6', listeningOnly = false): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const [, hexAddress, hexPort, st, uid, inode] of text.matchAll(listeningOnly ? LISTENING_TCP_LINE : TCP_LINE)) {
    sockets.push({
      family,
      address: family === 'ip' ? ipv4FromHex(hexAddress!) : ipv6FromHex(hexAddress!),
      port: parseInt(hexPort!, 16),
      state: st!,
      uid: Number(uid),
      inode: inode!,
    });
  }
  return sockets;
}

/** Parses /proc/net/unix: the sockets bound to a path. */
export function parseProcNetUnix(text: string): UnixSocket[] {
  const sockets: UnixSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    // Flags 00010000 is __SO_ACCEPTCON: a listening socket.
    sockets.push({ inode: fields[6]!, path: fields.slice(7).join(' '), listening: (parseInt(fields[3]!, 16) & 0x10000) !== 0 });
  }
  return sockets;
}

export interface ProcStatus {
  readonly name: string;
  readonly uid: { readonly real: number; readonly effective: number };
  readonly gid: { readonly real: number; readonly effective: number };
}

/**
 * Lines of /proc/<pid>/status, their value in group 1, compiled once: a run reads every process's status, and each
 * target's (not a RegExp made per line each time).
 */
export const STATUS_LINE = {
  name: /^Name:\s*(.*)$/m,
  uid: /^Uid:\s*(.*)$/m,
  gid: /^Gid:\s*(.*)$/m,
  groups: /^Groups:\s*(.*)$/m,
} as const;

/** The `Name:`, `Uid:` and `Gid:` lines of /proc/<pid>/status. */
export function parseStatus(text: string): ProcStatus | undefined {
  const field = (line: RegExp) => line.exec(text)?.[1]?.trim();
  const ids = (line: RegExp) => {
    const values = field(line)?.split(/\s+/).map(Number);
    return values && values.length >= 2 && values.every(Number.isInteger) ? { real: values[0]!, effective: values[1]! } : undefined;
  };
  const name = field(STATUS_LINE.name);
  const uid = ids(STATUS_LINE.uid);
  const gid = ids(STATUS_LINE.gid);
  return name !== undefined && uid && gid ? { name, uid, gid } : undefined;
}

/**
 * /proc/<pid>/cmdline: arguments, each ended by a NUL. An empty argument is kept (`--save ""`, `--rename-command
 * FLUSHALL ""` last); a title set-proc-title wrote is followed by NULs alone (empty arguments: titleRewritten).
 */
export function parseCmdline(text: string): string[] {
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop();
  // A title (`redis-server 127.0.0.1:6379`, a blank in it) and the NULs that replaced the arguments: the title alone.
  if (args.length > 0 && /\s/.test(args[0]!) && args.slice(1).every((a) => a === '')) return args.slice(0, 1);
  return args.length === 1 && args[0] === '' ? [] : args;
}


/**
 * The command line with every secret value replaced by `***` (`>***` for a `--user` password), read as the server of
 * `version` reads its arguments ({@link redactArgs}; unknown: as Redis 7.0.6+ and Valkey).
 */
export function redactCmdline(args: readonly string[], version?: string): string[] {
  return redactArgs(args, version);
}

/**
 * The config file named on a server's command line, as redis-server reads it: the first argument when it does not
 * start with `-` (`redis-server /etc/redis/redis.conf --port 6380`). `null` when the command line names none.
 */
export function configFromCmdline(args: readonly string[]): string | null | undefined {
  if (titleRewritten(args)) return undefined;
  const first = args[1];
  if (first === undefined || first.startsWith('-')) return null;
  return first;
}

/** `socket:[12345]` -> `12345`. */
export function socketInode(link: string): string | undefined {
  return /^socket:\[(\d+)\]$/.exec(link)?.[1];
}

/** The `(deleted)` suffix the kernel gives the link of a file removed after it was opened. */
export function deletedTarget(link: string): { path: string; deleted: boolean } {
  return link.endsWith(' (deleted)') ? { path: link.slice(0, -' (deleted)'.length), deleted: true } : { path: link, deleted: false };
}

// I/O ---------------------------------------------------------------------------------------------------------

/** `what: why`, with the way out when the host gatherer was not allowed to look. */
export function fsReason(error: unknown, what: string): string {
  const code = errnoOf(error);
  if (code === 'EACCES' || code === 'EPERM') {
    return `${what}: permission denied (run redfort as root or as the server's user)`;
  }
  return `${what}: ${fsErrorText(error)}`;
}

export function hostSource(detail: string): Source {
  return { kind: 'host', detail };
}

/** A whole socket line in another state than LISTEN (`0A`) or SYN_RECV (`03`). */
const PAST_LISTENING = /^ *\d+: +\S+ +\S+ +(?!0A |03 )[0-9A-Fa-f]{2} .*\n/m;
const TCP_TABLE_CHUNK = 64 * 1024;

/**
 * The lines of /proc/net/tcp or tcp6 up to the end of its listening sockets, or undefined when it cannot be read.
 * The kernel lists the listening sockets first (its listening hash), then all the others (connections,
 * TIME_WAIT, SYN_RECV); the first line in another state than LISTEN or SYN_RECV ends the listening part, and the
 * rest (tens of thousands of lines on a busy server, each one work for the kernel) is never asked for.
 */
export async function readListeningPart(path: string): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(TCP_TABLE_CHUNK);
    // The kernel gives /proc/net/tcp about a page per read (4 KB: 45 reads for 1,200 listening sockets): the whole
    // lines read are kept in pieces and joined once, never searched or copied again as one growing string.
    const lines: string[] = [];
    let cut = '';
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return lines.join('') + cut;
      // Only whole lines are looked at: a line cut between two reads is completed by the next.
      const text = cut + buffer.toString('latin1', 0, bytesRead);
      const end = text.lastIndexOf('\n') + 1;
      cut = text.slice(end);
      lines.push(text.slice(0, end));
      if (PAST_LISTENING.test(lines.at(-1)!)) return lines.join('');
    }
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

/**
 * The listening TCP sockets of this network namespace (or of the process's own, with `pid`). Only those: a run keeps
 * its table to the end, and a busy host's tables are mostly connections (a fleet's own, in TIME_WAIT, were 19,000
 * of 20,000 entries, 3.5 MB kept through a 1,000-target run).
 */
export async function readTcpSockets(pid?: number): Promise<TcpSocket[]> {
  const base = pid === undefined ? '/proc/net' : `/proc/${pid}/net`;
  const [v4, v6] = await Promise.all([readListeningTable(`${base}/tcp`, `${base}/sockstat`, 'TCP'), readListeningTable(`${base}/tcp6`, `${base}/sockstat6`, 'TCP6')]);
  return [...parseProcNetTcp(v4 ?? '', 'ip', true), ...parseProcNetTcp(v6 ?? '', 'ip6', true)];
}

/**
 * {@link readListeningPart} of a socket table, or '' without reading it when the namespace's counter (`TCP: inuse N`
 * of sockstat, `TCP6:` of sockstat6, which counts listening sockets too) says it holds no socket of that family. Even
 * an empty table costs a read: to find where its listening part ends, the kernel walks every bucket of its
 * connection hash, sized by the machine's memory (5 to 18 ms for a tcp6 table of no line on a 24 GiB machine).
 */
export async function readListeningTable(table: string, sockstat: string, family: 'TCP' | 'TCP6'): Promise<string | undefined> {
  const counters = await readProcText(sockstat);
  const inUse = counters === undefined ? undefined : new RegExp(`^${family}: inuse (\\d+)`, 'm').exec(counters)?.[1];
  return inUse === '0' ? '' : readListeningPart(table);
}

export async function readUnixSockets(pid?: number): Promise<UnixSocket[]> {
  return parseProcNetUnix((await readProcText(pid === undefined ? '/proc/net/unix' : `/proc/${pid}/net/unix`)) ?? '');
}

/** Where each open descriptor of a process points (`readlink /proc/<pid>/fd/*`), or why they cannot be read. */
async function readFdLinks(pid: number): Promise<HostValue<readonly string[]>> {
  const dir = `/proc/${pid}/fd`;
  // Synchronous on purpose: the kernel answers these from the process's descriptor table (no disk, no lock on
  // the process's memory, unlike cmdline or status), in microseconds, while each asynchronous call is a trip
  // through libuv's four threads; a fleet of local servers made thousands of them and queued everything else
  // (module loads included) behind them.
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch (error) {
    return { known: false, reason: fsReason(error, `cannot read ${dir}`) };
  }
  const links = fds.map((fd) => {
    try {
      return readlinkSync(`${dir}/${fd}`);
    } catch {
      return '';
    }
  });
  return { known: true, value: links, source: hostSource(dir) };
}

/** Every process id under /proc. */
export async function processIds(): Promise<number[]> {
  try {
    return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
  }
}

export async function readStatus(pid: number, tables: ProcTables): Promise<ProcStatus | undefined> {
  const text = await tables.statusText(pid);
  return text === undefined ? undefined : parseStatus(text);
}

export async function readCmdline(pid: number): Promise<string[]> {
  return parseCmdline((await readProcMemoryText(`/proc/${pid}/cmdline`)) ?? '');
}

/**
 * readlink of /proc/<pid>/<name> (exe, cwd, fd/1, ns/net). Synchronous, as for the descriptors (readFdLinks): the
 * kernel answers from the process's own tables without touching a disk, where the asynchronous call costs a trip
 * through libuv's threads and several system calls more, for each of a fleet's targets.
 */
export async function procLink(pid: number, name: string): Promise<HostValue<string>> {
  const path = `/proc/${pid}/${name}`;
  try {
    return { known: true, value: readlinkSync(path), source: hostSource(path) };
  } catch (error) {
    return { known: false, reason: fsReason(error, `cannot read ${path}`) };
  }
}

/**
 * What one run reads of /proc, read once and shared by every target of the run: the process table (one walk of
 * /proc), which process holds which socket, the socket tables of each network namespace and each process's
 * descriptors. Before, each local target walked /proc again and read every server's descriptors, so a fleet of
 * local servers cost quadratic time. One table per run, never per process lifetime: a long-running process
 * (the exporter) makes a new one per scrape and so never serves a stale view.
 */
export interface ProcTables {
  /** pid -> `Name:` and `PPid:` of /proc/<pid>/status, for every process. */
  processes(): Promise<ReadonlyMap<number, { readonly name: string; readonly ppid: number }>>;
  /** The listening TCP sockets of the network namespace of `pid` (of this process without one). */
  tcpSockets(pid?: number): Promise<readonly TcpSocket[]>;
  /**
   * The listening TCP sockets of this process's namespace, perhaps read a few seconds ago and shared with other
   * runs (the exporter's scrapes: {@link recentTcpTable}); {@link tcpSockets} when no such table is given. Only a
   * proposal: an owner found in it is confirmed against the process's descriptors as they are now, and whatever
   * it does not confirm is looked up again in {@link tcpSockets} (findPortOwner).
   */
  recentTcpSockets(): Promise<readonly TcpSocket[]>;
  unixSockets(pid?: number): Promise<readonly UnixSocket[]>;
  fdLinks(pid: number): Promise<HostValue<readonly string[]>>;
  /** `Name:` and `PPid:` of one process (the servers of a fleet share a parent: read once). */
  nameAndParent(pid: number): Promise<{ readonly name: string; readonly ppid: number } | undefined>;
  /**
   * /proc/<pid>/status as text (undefined when it cannot be read), its command line, and readlink of
   * /proc/<pid>/<name>: read once per run, however many stages ask (the config-file and host stages of a target,
   * the port owner's check, the config file's readability all read the same process).
   */
  statusText(pid: number): Promise<string | undefined>;
  cmdline(pid: number): Promise<readonly string[]>;
  link(pid: number, name: string): Promise<HostValue<string>>;
  /**
   * Whether process `pid` sees this machine's files: `other` when its mount namespace is not this process's (a
   * container), whose paths name files of its own root, not the files at the same paths here; `unknown` when
   * /proc/<pid>/ns/mnt cannot be read (another user's process, for a redfort not run as root).
   */
  mountNamespace(pid: number): Promise<'self' | 'other' | 'unknown'>;
  /** {@link findPortOwner} with these tables, once per address, port and hint (both local stages of a target ask). */
  portOwner(host: string, port: number, hint?: number): Promise<PortOwner>;
  /**
   * `search()`, unless a long-running process's recent answers ({@link SharedTcpTables.misses}) hold one that named
   * no server for `key`; an answer that names none is kept there. Without them, `search()`.
   */
  unlessMissed(key: string, search: () => Promise<PortOwner>): Promise<PortOwner>;
  /** socket inode -> the lowest pid of `group` holding it, and the pids whose descriptors cannot be read. */
  socketOwners(group: 'servers' | 'others'): Promise<{ readonly byInode: ReadonlyMap<string, number>; readonly denied: readonly number[] }>;
}

/** Where a set of /proc tables takes this process's own socket table from, instead of a read of its own. */
export interface SharedTcpTables {
  /** The table of this run: an audit worker thread takes its run's (src/app/pool.ts). */
  readonly tcpSockets?: () => Promise<readonly TcpSocket[]>;
  /** A table a few seconds old at most, shared with other runs: {@link ProcTables.recentTcpSockets}. */
  readonly recentTcpSockets?: () => Promise<readonly TcpSocket[]>;
  /** Recent answers of findPortOwner that named no server, by address, port and hint: {@link recentTcpTable}. */
  readonly misses?: { get(key: string): PortOwner | undefined; set(key: string, owner: PortOwner, since: number): void; now(): number };
}

/**
 * A fresh set of /proc tables; see {@link ProcTables}. `shared.tcpSockets`, when given, answers for this process's
 * own network namespace instead of a read of its own: an audit worker thread takes its run's table (src/app/pool.ts).
 */
export function procTables(shared?: SharedTcpTables): ProcTables {
  const once = memo<string, Promise<unknown>>();
  // Once per process: its TCP and unix socket tables are both looked up by it. This process's own namespace is read
  // only when another process's is asked for: a port's owner is looked up in this process's table alone.
  const selfNs = () => once('ns self', () => readlink('/proc/self/ns/net').catch(() => undefined)) as Promise<string | undefined>;
  const netNamespace = async (pid: number | undefined): Promise<string> =>
    pid === undefined
      ? 'self'
      : ((await once(`ns ${pid}`, async () => {
          const [ns, self] = await Promise.all([procLink(pid, 'ns/net'), selfNs()]);
          return ns.known ? (ns.value === self ? 'self' : ns.value) : `pid ${pid}`;
        })) as string);
  const tables: ProcTables = {
    processes: () =>
      once('processes', async () => {
        const table = new Map<number, { name: string; ppid: number }>();
        await Promise.all(
          (await processIds()).map(async (pid) => {
            const text = await readProcText(`/proc/${pid}/status`);
            const status = text === undefined ? undefined : parseStatus(text);
            if (status) table.set(pid, { name: status.name, ppid: Number(/^PPid:\s*(\d+)/m.exec(text!)?.[1] ?? 0) });
          }),
        );
        return table;
      }) as Promise<Map<number, { name: string; ppid: number }>>,
    tcpSockets: async (pid) => {
      const ns = await netNamespace(pid);
      return once(`tcp ${ns}`, () => (ns !== 'self' ? readTcpSockets(pid) : shared?.tcpSockets ? shared.tcpSockets() : readTcpSockets())) as Promise<TcpSocket[]>;
    },
    recentTcpSockets: () => (shared?.recentTcpSockets ? (once('recent tcp', shared.recentTcpSockets) as Promise<readonly TcpSocket[]>) : tables.tcpSockets()),
    unixSockets: async (pid) => {
      const ns = await netNamespace(pid);
      return once(`unix ${ns}`, () => readUnixSockets(ns === 'self' ? undefined : pid)) as Promise<UnixSocket[]>;
    },
    fdLinks: (pid) => once(`fd ${pid}`, () => readFdLinks(pid)) as Promise<HostValue<readonly string[]>>,
    nameAndParent: (pid) => once(`name ${pid}`, async () => nameAndParent(await tables.statusText(pid))) as Promise<{ name: string; ppid: number } | undefined>,
    statusText: (pid) => once(`status ${pid}`, () => readProcText(`/proc/${pid}/status`)) as Promise<string | undefined>,
    cmdline: (pid) => once(`cmdline ${pid}`, () => readCmdline(pid)) as Promise<string[]>,
    link: (pid, name) => once(`link ${pid} ${name}`, () => procLink(pid, name)) as Promise<HostValue<string>>,
    mountNamespace: (pid) =>
      once(`mnt ${pid}`, async () => {
        const [ns, self] = await Promise.all([tables.link(pid, 'ns/mnt'), once('mnt self', () => readlink('/proc/self/ns/mnt').catch(() => undefined)) as Promise<string | undefined>]);
        return !ns.known || self === undefined ? 'unknown' : ns.value === self ? 'self' : 'other';
      }) as Promise<'self' | 'other' | 'unknown'>,
    portOwner: (host, port, hint) => once(`owner ${host} ${port} ${hint ?? ''}`, () => findPortOwner(host, port, tables, hint)) as Promise<PortOwner>,
    unlessMissed: async (key, search) => {
      const misses = shared?.misses;
      if (!misses) return search();
      const missed = misses.get(key);
      if (missed) return missed;
      const since = misses.now();
      const owner = await search();
      if (!owner.found) misses.set(key, owner, since);
      return owner;
    },
    socketOwners: (group) =>
      once(`owners ${group}`, async () => {
        const names = await tables.processes();
        const pids = [...names.keys()].filter((pid) => SERVER_NAMES.has(names.get(pid)!.name) === (group === 'servers')).sort((a, b) => a - b);
        const byInode = new Map<string, number>();
        const denied: number[] = [];
        const links = await Promise.all(pids.map((pid) => tables.fdLinks(pid)));
        // The lowest pid wins: a forked child (BGSAVE) holds the parent's socket too.
        pids.forEach((pid, i) => {
          const held = links[i]!;
          if (!held.known) denied.push(pid);
          else for (const inode of held.value.map(socketInode)) if (inode && !byInode.has(inode)) byInode.set(inode, pid);
        });
        return { byInode, denied };
      }) as Promise<{ byInode: Map<string, number>; denied: number[] }>,
  };
  return tables;
}

/**
 * The listening TCP sockets of this process's network namespace for a long-running process (the exporter), for
 * {@link ProcTables.recentTcpSockets}: `recentTcpSockets()` hands every ask the same read for `ttlMs` after that read
 * began, then reads anew; `tcpSockets()` reads now, and its table is the recent one from then on. One table at a
 * time, a failed read never kept. Each scrape of a local target looked its port up in a table of its own: with a few
 * hundred servers on the machine, those reads were most of the exporter's CPU. `misses` keeps, as long, the answers
 * of findPortOwner that named no server (at most 1,024): an exporter that is not root, scraping a server of another
 * user on its machine, read every process's status and descriptors at each scrape to say it could not tell.
 */
export function recentTcpTable(options: { readonly ttlMs: number; readonly read?: () => Promise<readonly TcpSocket[]>; readonly now?: () => number }): SharedTcpTables & {
  readonly recentTcpSockets: () => Promise<readonly TcpSocket[]>;
  readonly tcpSockets: () => Promise<readonly TcpSocket[]>;
  readonly misses: NonNullable<SharedTcpTables['misses']>;
} {
  const read = options.read ?? (() => readTcpSockets());
  const now = options.now ?? (() => performance.now());
  let current: { readonly table: Promise<readonly TcpSocket[]>; readonly readAt: number } | undefined;
  const fresh = (): Promise<readonly TcpSocket[]> => {
    const entry = { table: read(), readAt: now() };
    entry.table.catch(() => {
      if (current === entry) current = undefined;
    });
    current = entry;
    return entry.table;
  };
  const misses = new Map<string, { readonly owner: PortOwner; readonly since: number }>();
  return {
    recentTcpSockets: () => (current !== undefined && now() - current.readAt < options.ttlMs ? current.table : fresh()),
    tcpSockets: fresh,
    misses: {
      get: (key) => {
        const kept = misses.get(key);
        if (kept === undefined) return undefined;
        if (now() - kept.since < options.ttlMs) return kept.owner;
        misses.delete(key);
        return undefined;
      },
      set: (key, owner, since) => {
        misses.delete(key);
        // Bounded: the oldest answer goes first (a scrape asks for its own target only: allowlisted ports).
        if (misses.size >= MAX_RECENT_MISSES) misses.delete(misses.keys().next().value!);
        misses.set(key, { owner, since });
      },
      now,
    },
  };
}

const MAX_RECENT_MISSES = 1024;

/** The socket inodes a process holds, or why they cannot be read (another user's process, without root). */
export async function socketInodes(pid: number, tables: ProcTables = procTables()): Promise<HostValue<ReadonlySet<string>>> {
  const links = await tables.fdLinks(pid);
  if (!links.known) return links;
  const inodes = new Set(links.value.map(socketInode).filter((i): i is string => Boolean(i)));
  return { known: true, value: inodes, source: links.source };
}

/** The regular files a process holds open. */
export async function openFiles(pid: number, tables: ProcTables = procTables()): Promise<HostValue<readonly string[]>> {
  const links = await tables.fdLinks(pid);
  if (!links.known) return links;
  const files = [...new Set(links.value.filter((p) => p.startsWith('/') && !p.startsWith('/dev/')).map((p) => deletedTarget(p).path))].sort();
  return { known: true, value: files, source: links.source };
}

interface Indexed {
  readonly socket: TcpSocket;
  /** Its place in the table. */
  readonly at: number;
}

/**
 * A socket table's listening sockets by port and by inode, in the table's order; made once per table (a run's
 * table holds every local server's socket, and each target looked through all of them twice).
 */
function listeningIndex(table: readonly TcpSocket[]): { readonly byPort: ReadonlyMap<number, readonly Indexed[]>; readonly byInode: ReadonlyMap<string, readonly Indexed[]> } {
  let index = listeningIndexes.get(table);
  if (index === undefined) {
    const byPort = new Map<number, Indexed[]>();
    const byInode = new Map<string, Indexed[]>();
    table.forEach((socket, at) => {
      if (socket.state !== LISTEN) return;
      const entry = { socket, at };
      const samePort = byPort.get(socket.port);
      if (samePort) samePort.push(entry);
      else byPort.set(socket.port, [entry]);
      const sameInode = byInode.get(socket.inode);
      if (sameInode) sameInode.push(entry);
      else byInode.set(socket.inode, [entry]);
    });
    listeningIndexes.set(table, (index = { byPort, byInode }));
  }
  return index;
}
const listeningIndexes = new WeakMap<readonly TcpSocket[], ReturnType<typeof listeningIndex>>();

/** The listening TCP and unix sockets of a process. */
export async function listenersOf(pid: number, tables: ProcTables = procTables()): Promise<{ tcp: HostValue<readonly HostListener[]>; unix: HostValue<readonly string[]> }> {
  const inodes = await socketInodes(pid, tables);
  if (!inodes.known) return { tcp: inodes, unix: inodes };
  const [tcp, unix] = await Promise.all([tables.tcpSockets(pid), tables.unixSockets(pid)]);
  // In the table's order, as a walk of the table finds them: through the index, not a walk per target.
  const byInode = listeningIndex(tcp).byInode;
  const listeners = [...inodes.value]
    .flatMap((inode) => byInode.get(inode) ?? [])
    .sort((a, b) => a.at - b.at)
    .map(({ socket: { family, address, port } }) => ({ family, address, port }));
  const unique = [...new Map(listeners.map((l) => [`${l.family} ${l.address} ${l.port}`, l])).values()];
  const paths = unix.filter((s) => s.listening && inodes.value.has(s.inode) && s.path.startsWith('/')).map((s) => s.path);
  const source = hostSource(`/proc/${pid}/net/tcp{,6}, /proc/${pid}/fd`);
  return { tcp: { known: true, value: unique, source }, unix: { known: true, value: [...new Set(paths)], source: hostSource(`/proc/${pid}/net/unix`) } };
}

export type PortOwner =
  | { readonly found: true; readonly pid: number; readonly name: string }
  | { readonly found: false; readonly reason: string };

function addressMatches(listener: TcpSocket, host: string): boolean {
  const h = host.toLowerCase();
  if (listener.address === h) return true;
  if (h === 'localhost') return listener.address.startsWith('127.') || listener.address === '::1';
  return false;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The LISTEN sockets of `table` that `host:port` reaches: those bound to the address, else the wildcard ones, else all. */
function socketsFor(table: readonly TcpSocket[], host: string, port: number): readonly TcpSocket[] {
  const listening = (listeningIndex(table).byPort.get(port) ?? []).map((s) => s.socket);
  const exact = listening.filter((s) => addressMatches(s, host));
  const wild = listening.filter((s) => isWildcard(s.address));
  return exact.length > 0 ? exact : wild.length > 0 ? wild : listening;
}

/**
 * The process listening on `host:port` of this machine: the LISTEN socket from /proc/net/tcp{,6}, then the
 * process holding its inode in /proc/<pid>/fd.
 */
export async function findPortOwner(host: string, port: number, tables: ProcTables = procTables(), hint?: number): Promise<PortOwner> {
  // A recent table (the exporter's, a few seconds old) is enough to name the socket: `hint` must hold it now, in its
  // descriptors read for this run, and a socket keeps its address and port for life. A server restarted since holds
  // another socket: then, as for every other answer, the run's own table is read.
  const recent = hint === undefined ? undefined : await tables.recentTcpSockets();
  const proposed = recent ? new Set(socketsFor(recent, host, port).map((s) => s.inode)) : undefined;
  if (proposed && proposed.size > 0) {
    const verified = await holdsSocket(hint!, proposed, tables);
    if (verified) return verified;
  }
  // A port whose owner could not be told a moment ago (another user's server, without root: every process's
  // descriptors were read to say so), asked again with the same server's word, gets the same answer until the
  // recent answers expire: an answer naming no server only makes rules skip, never has a file read, and a server
  // restarted since tells another process_id (and one holding the socket now was confirmed above).
  return tables.unlessMissed(`${host}\0${port}\0${hint ?? ''}`, () => searchPortOwner(host, port, tables, hint, recent));
}

/** {@link findPortOwner} past a recent table's proposal: the run's own table, the hint, then every process. */
async function searchPortOwner(host: string, port: number, tables: ProcTables, hint: number | undefined, recent: readonly TcpSocket[] | undefined): Promise<PortOwner> {
  const table = await tables.tcpSockets();
  const chosen = socketsFor(table, host, port);
  if (chosen.length === 0) return { found: false, reason: `no process of this machine listens on TCP port ${port} (a server in a container or another network namespace is audited from inside it)` };
  if (hint !== undefined && table !== recent) {
    const verified = await holdsSocket(hint, new Set(chosen.map((s) => s.inode)), tables);
    if (verified) return verified;
  }
  const names = await tables.processes();
  const denied: number[] = [];
  // Servers first: the other processes are only looked at to name what holds the port instead.
  for (const group of ['servers', 'others'] as const) {
    const owners = await tables.socketOwners(group);
    denied.push(...owners.denied);
    const pids = chosen.map((s) => owners.byInode.get(s.inode)).filter((pid): pid is number => pid !== undefined);
    if (pids.length === 0) continue;
    const pid = Math.min(...pids);
    const name = names.get(pid)?.name ?? '?';
    if (group === 'servers') return { found: true, pid, name };
    return { found: false, reason: `port ${port} is held by '${name}' (pid ${pid}), not by a Redis or Valkey server: a proxy or a container's port forward; audit the server's own host` };
  }
  return denied.length > 0
    ? { found: false, reason: `cannot tell which process listens on port ${port}: /proc/<pid>/fd of ${denied.length} processes of other users is readable only by root` }
    : { found: false, reason: `the socket listening on port ${port} belongs to no process visible here` };
}

/** `Name:` and `PPid:` of /proc/<pid>/status. */
function nameAndParent(text: string | undefined): { name: string; ppid: number } | undefined {
  const name = text === undefined ? undefined : /^Name:\s*(.*)$/m.exec(text)?.[1]?.trim();
  return name === undefined ? undefined : { name, ppid: Number(/^PPid:\s*(\d+)/m.exec(text!)?.[1] ?? 0) };
}

/**
 * The answer of the full search when process `pid` (the server's own word, INFO `process_id`) is a server, not a
 * forked child of one, and holds one of the listening `inodes`: what /proc says, checked in a few reads instead
 * of a walk of every process and of every server's descriptors. Undefined when any of it does not hold (another
 * namespace, a proxy, a server naming another process): the caller searches as before.
 */
async function holdsSocket(pid: number, inodes: ReadonlySet<string>, tables: ProcTables): Promise<PortOwner | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const [self, links] = await Promise.all([tables.nameAndParent(pid), tables.fdLinks(pid)]);
  if (!self || !SERVER_NAMES.has(self.name) || !links.known) return undefined;
  if (!links.value.some((link) => inodes.has(socketInode(link) ?? ''))) return undefined;
  const parent = self.ppid > 0 ? await tables.nameAndParent(self.ppid) : undefined;
  if (parent && SERVER_NAMES.has(parent.name)) return undefined;
  return { found: true, pid, name: self.name };
}

export interface ServerProcess {
  readonly pid: number;
  readonly name: string;
  readonly listeners: HostValue<readonly HostListener[]>;
  readonly unixSockets: HostValue<readonly string[]>;
  /** The listen address the process title announces (`redis-server 127.0.0.1:6379`), used when fds cannot be read. */
  readonly titleAddress: { readonly host: string; readonly port: number } | undefined;
  /** Its effective uid (/proc/<pid>/status), undefined when it cannot be read. */
  readonly uid?: number | undefined;
}

/** `redis-server 127.0.0.1:6379 [cluster]` -> host and port; `*:6379` is every interface. */
export function titleAddress(args: readonly string[]): { host: string; port: number } | undefined {
  if (!titleRewritten(args)) return undefined;
  const m = /^\S+\s+(\S+):(\d+)(?:\s|$)/.exec(args[0]!);
  if (!m) return undefined;
  const host = m[1] === '*' ? '127.0.0.1' : m[1]!.replace(/^\[|\]$/g, '');
  return { host, port: Number(m[2]) };
}

/** Every redis-server, redis-sentinel, valkey-server and valkey-sentinel process of this machine. */
export async function findServerProcesses(tables: ProcTables = procTables()): Promise<ServerProcess[]> {
  const names = await tables.processes();
  const servers = [...names].filter(([, p]) => SERVER_NAMES.has(p.name)).sort(([a], [b]) => a - b);
  // Threads are not under /proc/<pid> but a forked child (BGSAVE, AOF rewrite) is: skip children of servers.
  const own = servers.filter(([, p]) => !SERVER_NAMES.has(names.get(p.ppid)?.name ?? ''));
  return Promise.all(
    own.map(async ([pid, p]) => {
      const [{ tcp, unix }, cmdline, status] = await Promise.all([listenersOf(pid, tables), readCmdline(pid), readStatus(pid, tables)]);
      const uid = status?.uid.effective;
      return { pid, name: p.name, listeners: tcp, unixSockets: unix, titleAddress: titleAddress(cmdline), uid };
    }),
  );
}
