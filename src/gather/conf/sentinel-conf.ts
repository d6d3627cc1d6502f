import { isIP } from 'node:net';
import { digestPassword } from '../../acl/parse.ts';
import type { Fact, OverriddenSecret, SecretDigest, Source } from '../../facts/types.ts';
import { atoi, strtoll } from './c-numbers.ts';
import { resolveVersion, valkey8 } from '../../redis/directives.ts';
import type { ServerVersion } from '../../redis/directives.ts';
import { ConfigParseError, quotedArg } from './conf-errors.ts';
import type { Directive } from './tokenize.ts';
import { shownName } from './tokenize.ts';

export interface SentinelReplica {
  readonly host: string;
  readonly port: number;
}

export interface SentinelPeer {
  readonly host: string;
  readonly port: number;
  readonly runid: string;
}

/** One monitored master (`sentinel monitor <name> <host> <port> <quorum>` and its per-master lines). */
export interface SentinelMaster {
  readonly name: Fact<string>;
  readonly host: string;
  readonly port: number;
  readonly quorum: number;
  /** `sentinel auth-user`: the ACL user Sentinel logs into the master and replicas as. */
  readonly authUser?: Fact<string>;
  /** `sentinel auth-pass`, kept in clear text in the file; here only its digest. */
  readonly authPass?: Fact<SecretDigest>;
  /** State lines the server rewrites into the file: `known-replica` (`known-slave`). */
  readonly knownReplicas: readonly Fact<SentinelReplica>[];
  /** `known-sentinel <name> <ip> <port> <runid>` (the old form without runid is ignored, as by the server). */
  readonly knownSentinels: readonly Fact<SentinelPeer>[];
  /** `sentinel rename-command <master> <command> <renamed>`: lowercase command to the name the master uses. */
  readonly renamedCommands: ReadonlyMap<string, Fact<string>>;
  /**
   * The other per-master lines as written: `down-after-milliseconds`, `failover-timeout`, `parallel-syncs`
   * (with their defaults when absent), `notification-script`, `client-reconfig-script`, `config-epoch`,
   * `leader-epoch`, `master-reboot-down-after-period`.
   */
  readonly settings: ReadonlyMap<string, Fact<string>>;
}

/** The scripts a sentinel config names (`sentinel notification-script` / `client-reconfig-script`), each master's. */
export function sentinelScripts(conf: SentinelConf): Fact<string>[] {
  return [...conf.masters.values()].flatMap((m) => ['notification-script', 'client-reconfig-script'].flatMap((name) => { const f = m.settings.get(name); return f ? [f] : []; }));
}

export interface SentinelConf {
  readonly masters: ReadonlyMap<string, SentinelMaster>;
  /** `sentinel sentinel-user`: the user this Sentinel authenticates to other Sentinels as (6.2+). */
  readonly sentinelUser?: Fact<string>;
  /** `sentinel sentinel-pass`; when unset Sentinel falls back to its own `requirepass` towards peers. */
  readonly sentinelPass?: Fact<SecretDigest>;
  /** `yes` (the default) refuses `SENTINEL SET` of script paths; not visible at runtime. */
  readonly denyScriptsReconfig: Fact<string>;
  readonly resolveHostnames: Fact<string>;
  readonly announceHostnames: Fact<string>;
  readonly announceIp?: Fact<string>;
  readonly announcePort?: Fact<string>;
  /** The instance id the server wrote (`sentinel myid`). */
  readonly myid?: string;
  readonly currentEpoch?: number;
  /**
   * `sentinel auth-pass` and `sentinel sentinel-pass` lines a later one overrides, keyed as the files' secrets
   * (`sentinel auth-pass <master>`, `sentinel-pass`): each still holds its password on disk.
   */
  readonly overriddenSecrets?: ReadonlyMap<string, readonly OverriddenSecret[]>;
}

interface MutableMaster {
  name: Fact<string>;
  host: string;
  port: number;
  quorum: number;
  authUser?: Fact<string>;
  authPass?: Fact<SecretDigest>;
  knownReplicas: Fact<SentinelReplica>[];
  knownSentinels: Fact<SentinelPeer>[];
  renamedCommands: Map<string, Fact<string>>;
  settings: Map<string, Fact<string>>;
}

// Applied before every `monitor` line whatever their place in the file (preMonitorCfgName, 6.2+).
const PRE_MONITOR = new Set([
  'announce-ip',
  'announce-port',
  'deny-scripts-reconfig',
  'sentinel-user',
  'sentinel-pass',
  'current-epoch',
  'myid',
  'resolve-hostnames',
  'announce-hostnames',
]);

/**
 * Sub-directives younger than some releases (src/sentinel.c at each tag): `sentinel-user`, `sentinel-pass`,
 * `resolve-hostnames` and `announce-hostnames` came with 6.2, `master-reboot-down-after-period` with 7.0, and
 * `primary-reboot-down-after-period` is Valkey 8's name for it. An older Sentinel refuses the line.
 */
function supportedBy(name: string, version: ServerVersion): boolean {
  switch (name) {
    case 'sentinel-user':
    case 'sentinel-pass':
    case 'resolve-hostnames':
    case 'announce-hostnames':
      return version.key !== 'r6.0';
    case 'master-reboot-down-after-period':
      return version.key !== 'r6.0' && version.key !== 'r6.2';
    case 'primary-reboot-down-after-period':
      return valkey8(version);
    default:
      return true;
  }
}

const PER_MASTER_DEFAULTS: readonly (readonly [string, string])[] = [
  ['down-after-milliseconds', '30000'],
  ['failover-timeout', '180000'],
  ['parallel-syncs', '1'],
];

function yesNo(arg: string): string | undefined {
  const lower = arg.toLowerCase();
  return lower === 'yes' || lower === 'no' ? lower : undefined;
}

/**
 * The Sentinel state of a sentinel.conf, from its `sentinel …` directives (sub-directive names are
 * case-insensitive), with the checks and messages of `sentinelHandleConfiguration` (redis@7.0.15:src/sentinel.c:1856).
 * From 6.2 the server queues these lines and applies the global ones first, then every `monitor`, then the
 * per-master ones, so a per-master line may come before its `monitor`; 6.0 applies them in file order and
 * refuses a per-master line before its `monitor` (`No such master with specified name.`).
 * Throws {@link ConfigParseError} where the server refuses to start. A line that only some releases know is read
 * whatever the version; with a `version`, one that this release does not know is also a warning (`warn`), as an
 * unknown directive of redis.conf is, and `notInVersion` is told where it is (an error when the version is known).
 */
export function sentinelFromDirectives(
  directives: readonly Directive[],
  options: { version?: string | undefined; warn?: (message: string) => void; notInVersion?: (at: { path: string; line: number; what: string }) => void } = {},
): SentinelConf {
  const version = resolveVersion(options.version);
  const inOrder = version.key === 'r6.0';
  const lines = directives.filter((d) => d.name === 'sentinel' && d.args.length > 0);
  const sub = (d: Directive): string => d.args[0]!.toLowerCase();
  const ordered = inOrder
    ? lines
    : [
        ...lines.filter((d) => PRE_MONITOR.has(sub(d))),
        ...lines.filter((d) => sub(d) === 'monitor'),
        ...lines.filter((d) => !PRE_MONITOR.has(sub(d)) && sub(d) !== 'monitor'),
      ];

  const masters = new Map<string, MutableMaster>();
  const defaultSource: Source = { kind: 'default', note: `Sentinel default of ${version.label}` };
  let denyScriptsReconfig: Fact<string> = { value: 'yes', source: defaultSource };
  let resolveHostnames: Fact<string> = { value: 'no', source: defaultSource };
  let announceHostnames: Fact<string> = { value: 'no', source: defaultSource };
  let announceIp: Fact<string> | undefined;
  let announcePort: Fact<string> | undefined;
  let sentinelUser: Fact<string> | undefined;
  let sentinelPass: Fact<SecretDigest> | undefined;
  let myid: string | undefined;
  let currentEpoch: bigint | undefined;
  const overriddenSecrets = new Map<string, OverriddenSecret[]>();
  const overridden = (key: string, earlier: Fact<SecretDigest> | undefined, name: string) => {
    if (earlier) overriddenSecrets.set(key, [...(overriddenSecrets.get(key) ?? []), { ...earlier, name }]);
  };

  for (const d of ordered) {
    const source: Source = { kind: 'file', path: d.source.path, line: d.source.line };
    const fail = (reason: string): never => {
      // The subcommand as a name, or only its length: a word of the file is not echoed (a megabyte of it was).
      const named = shownName(sub(d));
      throw new ConfigParseError(d.source.path, d.source.line, `sentinel ${named.startsWith("'") ? named.slice(1, -1) : named}: ${reason} (Sentinel refuses to start)`);
    };
    const argv = d.args;
    const argc = argv.length;
    const name = sub(d);
    if (options.version !== undefined && !supportedBy(name, version)) {
      options.notInVersion?.({ path: d.source.path, line: d.source.line, what: `'sentinel ${name}' is not a ${version.label} Sentinel directive` });
      options.warn?.(
        `${d.source.path}:${d.source.line}: 'sentinel ${name}' is not a ${version.label} Sentinel directive ` +
          `(Sentinel ${version.label} would refuse it: Unrecognized sentinel configuration statement)`,
      );
    }
    const master = (): MutableMaster => {
      const m = masters.get(argv[1]!);
      if (!m) return fail(`No such master with specified name ${quotedArg(argv[1]!)}.`);
      return m;
    };
    const checkAddress = (host: string, portArg: string): number => {
      const port = atoi(portArg);
      if (port < 0 || port > 65535) fail('Invalid port number.');
      // 6.2+ resolves nothing unless resolve-hostnames is yes; 6.0 resolves names through DNS at startup.
      if (!inOrder && resolveHostnames.value !== 'yes' && isIP(host) === 0) {
        fail(`Can't resolve instance hostname ${quotedArg(host)}: it is not an IP address and resolve-hostnames is no.`);
      }
      return port;
    };

    if (name === 'monitor' && argc === 5) {
      const quorum = atoi(argv[4]!);
      if (quorum <= 0) fail('Quorum must be 1 or greater.');
      if (masters.has(argv[1]!)) fail('Duplicate master name.');
      const port = checkAddress(argv[2]!, argv[3]!);
      masters.set(argv[1]!, {
        name: { value: argv[1]!, source },
        host: argv[2]!,
        port,
        quorum,
        knownReplicas: [],
        knownSentinels: [],
        renamedCommands: new Map(),
        settings: new Map(),
      });
    } else if ((name === 'down-after-milliseconds' || name === 'failover-timeout') && argc === 3) {
      const m = master();
      if (atoi(argv[2]!) <= 0) fail('negative or zero time parameter.');
      m.settings.set(name, { value: String(atoi(argv[2]!)), source });
    } else if (name === 'parallel-syncs' && argc === 3) {
      master().settings.set(name, { value: String(atoi(argv[2]!)), source });
    } else if ((name === 'notification-script' || name === 'client-reconfig-script') && argc === 3) {
      // The server also checks the script is executable (access X_OK): a host check, not done here.
      master().settings.set(name, { value: argv[2]!, source });
    } else if (name === 'auth-pass' && argc === 3) {
      const m = master();
      overridden(`sentinel auth-pass ${m.name.value}`, m.authPass, `sentinel auth-pass ${m.name.value}`);
      m.authPass = { value: digestPassword(argv[2]!), source };
    } else if (name === 'auth-user' && argc === 3) {
      master().authUser = { value: argv[2]!, source };
    } else if (name === 'current-epoch' && argc === 2) {
      const epoch = BigInt.asUintN(64, strtoll(argv[1]!).value);
      if (currentEpoch === undefined || epoch > currentEpoch) currentEpoch = epoch;
    } else if (name === 'myid' && argc === 2) {
      if (argv[1]!.length !== 40) fail('Malformed Sentinel id in myid option.');
      myid = argv[1]!;
    } else if ((name === 'config-epoch' || name === 'leader-epoch') && argc === 3) {
      const epoch = BigInt.asUintN(64, strtoll(argv[2]!).value);
      master().settings.set(name, { value: epoch.toString(), source });
      if (name === 'config-epoch' && (currentEpoch === undefined || epoch > currentEpoch)) currentEpoch = epoch;
    } else if ((name === 'known-slave' || name === 'known-replica') && argc === 4) {
      const m = master();
      const port = checkAddress(argv[2]!, argv[3]!);
      if (m.knownReplicas.some((r) => r.value.host === argv[2] && r.value.port === port)) {
        fail('Duplicate hostname and port for replica.');
      }
      m.knownReplicas.push({ value: { host: argv[2]!, port }, source });
    } else if (name === 'known-sentinel' && (argc === 4 || argc === 5)) {
      if (argc === 5) {
        const m = master();
        const port = checkAddress(argv[2]!, argv[3]!);
        if (m.knownSentinels.some((s) => s.value.runid === argv[4])) fail('Duplicate runid for sentinel.');
        m.knownSentinels.push({ value: { host: argv[2]!, port, runid: argv[4]! }, source });
      }
    } else if (name === 'rename-command' && argc === 4) {
      const m = master();
      const command = argv[2]!.toLowerCase();
      if (m.renamedCommands.has(command)) fail('Same command renamed multiple times with rename-command.');
      m.renamedCommands.set(command, { value: argv[3]!, source });
    } else if (name === 'announce-ip' && argc === 2) {
      if (argv[1] !== '') announceIp = { value: argv[1]!, source };
    } else if (name === 'announce-port' && argc === 2) {
      announcePort = { value: String(atoi(argv[1]!)), source };
    } else if (name === 'deny-scripts-reconfig' && argc === 2) {
      const v = yesNo(argv[1]!) ?? fail('Please specify yes or no for the deny-scripts-reconfig options.');
      denyScriptsReconfig = { value: v, source };
    } else if (name === 'sentinel-user' && argc === 2) {
      if (argv[1] !== '') sentinelUser = { value: argv[1]!, source };
    } else if (name === 'sentinel-pass' && argc === 2) {
      if (argv[1] !== '') {
        overridden('sentinel-pass', sentinelPass, 'sentinel-pass');
        sentinelPass = { value: digestPassword(argv[1]!), source };
      }
    } else if (name === 'resolve-hostnames' && argc === 2) {
      const v = yesNo(argv[1]!) ?? fail('Please specify yes or no for the resolve-hostnames option.');
      resolveHostnames = { value: v, source };
    } else if (name === 'announce-hostnames' && argc === 2) {
      const v = yesNo(argv[1]!) ?? fail('Please specify yes or no for the announce-hostnames option.');
      announceHostnames = { value: v, source };
    } else if (
      (name === 'master-reboot-down-after-period' || name === 'primary-reboot-down-after-period') &&
      argc === 3
    ) {
      const m = master();
      if (atoi(argv[2]!) < 0) fail('negative time parameter.');
      m.settings.set('master-reboot-down-after-period', { value: String(atoi(argv[2]!)), source });
    } else {
      fail('Unrecognized sentinel configuration statement (or wrong number of arguments).');
    }
  }

  for (const m of masters.values()) {
    for (const [key, value] of PER_MASTER_DEFAULTS) {
      if (!m.settings.has(key)) m.settings.set(key, { value, source: defaultSource });
    }
  }

  return {
    masters,
    ...(sentinelUser ? { sentinelUser } : {}),
    ...(sentinelPass ? { sentinelPass } : {}),
    denyScriptsReconfig,
    resolveHostnames,
    announceHostnames,
    ...(announceIp ? { announceIp } : {}),
    ...(announcePort ? { announcePort } : {}),
    ...(myid !== undefined ? { myid } : {}),
    ...(currentEpoch !== undefined ? { currentEpoch: Number(currentEpoch) } : {}),
    ...(overriddenSecrets.size > 0 ? { overriddenSecrets } : {}),
  };
}
