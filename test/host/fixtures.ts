import type {
  Facts,
  FirewallRuleset,
  HostAbsentFile,
  HostFacts,
  HostFile,
  HostFileRole,
  HostListener,
  HostValue,
  PackageFacts,
  Source,
  SystemdFacts,
} from '../../src/facts/types.ts';
import { hostCommandLine } from '../../src/redis/command-line.ts';
import { parseIptablesSave } from '../../src/gather/host/firewall-iptables.ts';
import { parseNft } from '../../src/gather/host/firewall-nft.ts';
import { parseLogrotate } from '../../src/gather/host/logrotate.ts';
import { liveFacts } from '../rule-tester.ts';
import type { FactsSpec } from '../rule-tester.ts';

const HOST: Source = { kind: 'host', detail: 'test' };
const USERS: Record<number, string> = { 0: 'root', 102: 'redis', 1000: 'alice' };

export interface FileSpec {
  readonly role: HostFileRole;
  readonly path: string;
  readonly mode?: number;
  /** Owner uid (names from a small table: 0 root, 102 redis, 1000 alice); default 102. */
  readonly uid?: number;
  readonly gid?: number;
  readonly type?: 'file' | 'dir' | 'socket';
  readonly missing?: boolean;
  readonly unknown?: string;
  /** Secret lines of a config file; a string is the reason they are unknown. */
  readonly secrets?: readonly string[] | string;
  readonly realPath?: string;
  readonly parent?: { readonly mode: number; readonly gid?: number; readonly uid?: number };
  /** The directories above the parent, nearest first, up to `/`; default root:root 755 each. */
  readonly ancestors?: readonly { readonly path: string; readonly mode: number; readonly uid?: number; readonly gid?: number }[];
}

export interface HostSpec {
  readonly uid?: number;
  readonly gid?: number;
  readonly files?: readonly FileSpec[];
  readonly absent?: readonly HostAbsentFile[];
  readonly logging?: { readonly logfile: string; readonly syslog?: boolean; readonly daemonize?: boolean; readonly devLog?: boolean } | string;
  readonly stdout?: string;
  /** logrotate configuration text (parsed by the real parser), with whether the program is installed. */
  readonly logrotate?: { readonly text: string; readonly installed?: boolean } | string;
  readonly listeners?: readonly HostListener[] | string;
  /** Packet filter texts, parsed by the real parsers; a string is the reason it is unknown. */
  readonly firewall?: { readonly nft?: string; readonly iptables?: string; readonly ip6tables?: string; readonly unreadable?: readonly string[] } | string;
  readonly systemd?: SystemdFacts | null | string;
  readonly package?: PackageFacts | null | string;
}

function value<T>(v: T | string): HostValue<T> {
  return typeof v === 'string' ? { known: false, reason: v } : { known: true, value: v, source: HOST };
}

/** root:root 755 directories from above `dir` up to `/`, unless the spec says otherwise of one. */
function ancestorsOf(dir: string, given: FileSpec['ancestors']): { path: string; mode: number; uid: number; gid: number }[] {
  const out: { path: string; mode: number; uid: number; gid: number }[] = [];
  for (let d = dir; d !== '/'; ) {
    d = d.slice(0, d.lastIndexOf('/')) || '/';
    const spec = given?.find((a) => a.path === d);
    out.push({ path: d, mode: spec?.mode ?? 0o755, uid: spec?.uid ?? 0, gid: spec?.gid ?? 0 });
  }
  return out;
}

function file(spec: FileSpec): HostFile {
  const base = { role: spec.role, path: spec.path, origin: { kind: 'live', command: 'CONFIG GET *' } as Source };
  if (spec.missing) return { ...base, state: { kind: 'missing' } };
  if (spec.unknown) return { ...base, state: { kind: 'unknown', reason: spec.unknown } };
  const uid = spec.uid ?? 102;
  const gid = spec.gid ?? (uid === 0 ? 0 : 105);
  const realPath = spec.realPath ?? spec.path;
  const parentPath = realPath.slice(0, realPath.lastIndexOf('/')) || '/';
  const secrets = spec.secrets === undefined ? undefined : value(spec.secrets as readonly string[] | string);
  return {
    ...base,
    state: {
      kind: 'present',
      stat: {
        type: spec.type ?? (spec.role === 'dir' || spec.role === 'aof-dir' ? 'dir' : 'file'),
        mode: spec.mode ?? 0o640,
        uid,
        gid,
        owner: USERS[uid],
        group: gid === 0 ? 'root' : gid === 105 ? 'redis' : undefined,
        realPath,
        symlink: realPath !== spec.path,
        parent: { path: parentPath, mode: spec.parent?.mode ?? 0o750, uid: spec.parent?.uid ?? uid, gid: spec.parent?.gid ?? gid },
        ...(parentPath !== '/' && { ancestors: ancestorsOf(parentPath, spec.ancestors) }),
      },
    },
    ...(secrets ? { secrets } : {}),
  };
}

/** HostFacts for rule tests: a redis-server running as redis (102:105) unless told otherwise. */
export function hostFacts(spec: HostSpec = {}): HostFacts {
  const uid = spec.uid ?? 102;
  const gid = spec.gid ?? (uid === 0 ? 0 : 105);
  const firewall: HostValue<{ rulesets: FirewallRuleset[]; unreadable: readonly string[] }> =
    typeof spec.firewall === 'string'
      ? { known: false, reason: spec.firewall }
      : {
          known: true,
          value: {
            rulesets: [
              ...(spec.firewall?.nft !== undefined ? [parseNft(spec.firewall.nft)] : []),
              ...(spec.firewall?.iptables !== undefined ? [parseIptablesSave(spec.firewall.iptables, 'ip')] : []),
              ...(spec.firewall?.ip6tables !== undefined ? [parseIptablesSave(spec.firewall.ip6tables, 'ip6')] : []),
            ],
            unreadable: spec.firewall?.unreadable ?? [],
          },
          source: { kind: 'host', detail: 'nft list ruleset' },
        };
  const logrotate =
    typeof spec.logrotate === 'string'
      ? ({ known: false, reason: spec.logrotate } as const)
      : {
          known: true as const,
          value: {
            files: ['/etc/logrotate.d/test'],
            stanzas: parseLogrotate(spec.logrotate?.text ?? '', '/etc/logrotate.d/test').stanzas,
            problems: [],
            installed: spec.logrotate?.installed ?? true,
          },
          source: { kind: 'host', detail: '/etc/logrotate.conf' } as Source,
        };
  const logging = typeof spec.logging === 'string' ? spec.logging : { syslog: false, daemonize: false, source: HOST, ...(spec.logging ?? { logfile: '/var/log/redis/redis-server.log' }) };
  const host: Omit<HostFacts, 'commandLine'> = {
    process: {
      pid: 4242,
      name: 'redis-server',
      uid: { real: uid, effective: uid },
      gid: { real: gid, effective: gid },
      user: USERS[uid],
      group: gid === 0 ? 'root' : gid === 105 ? 'redis' : undefined,
      cmdline: ['/usr/bin/redis-server 127.0.0.1:6379'],
      exe: { known: true, value: '/usr/bin/redis-check-rdb', source: HOST },
      cwd: { known: true, value: '/var/lib/redis', source: HOST },
      configFile: { known: true, value: '/etc/redis/redis.conf', source: HOST },
      listeners: value((spec.listeners ?? [{ family: 'ip', address: '127.0.0.1', port: 6379 }]) as readonly HostListener[] | string),
      unixSockets: { known: true, value: [], source: HOST },
      stdout: { known: true, value: spec.stdout ?? '/dev/null', source: HOST },
      openFiles: { known: true, value: [], source: HOST },
      source: HOST,
    },
    files: (spec.files ?? []).map(file),
    absent: spec.absent ?? [],
    logging: value(logging),
    logrotate,
    firewall,
    systemd: value(spec.systemd === undefined ? null : spec.systemd),
    package: value(spec.package === undefined ? null : spec.package),
    source: HOST,
  };
  // As the host stage reads it, from the process's command line or its unit's ExecStart.
  return { ...host, commandLine: hostCommandLine(host.process, host.systemd, undefined) };
}

/** Live facts of a server with host facts beside them. */
export function withHost(spec: HostSpec = {}, live: FactsSpec = {}): Facts {
  return liveFacts({ ...live, extra: { ...live.extra, host: hostFacts(spec) } });
}
