/**
 * TLS settings: Mozilla's "intermediate" configuration (Server Side TLS 5.7, https://ssl-config.mozilla.org/
 * guidelines/5.7.json), restricted to its ECDHE suites so that no DH parameter file is needed (Mozilla's later
 * revisions drop the DHE suites too).
 *
 * Where the checklist and Mozilla disagree: Mozilla says `tls-prefer-server-ciphers no` for intermediate (every
 * suite on the list is strong, so the client may pick the one its hardware does fastest); the checklist, and the
 * rule `tls.server-ciphers-not-preferred`, ask for `yes`. redfort takes the checklist's side: with this list the
 * server's order costs nothing in security, and a server that later gains a weaker suite still picks its own.
 */

export const TLS_GUIDELINE = 'Mozilla Server Side TLS 5.7, intermediate (ECDHE suites)';

export const TLS_PROTOCOLS = 'TLSv1.2 TLSv1.3';

export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_CIPHERSUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'].join(':');

/** The checklist's side of the disagreement described above. */
export const TLS_PREFER_SERVER_CIPHERS = 'yes';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** One directive and its value as redis.conf spells it (`tls-protocols` quoted: it holds a space). */
export interface Directive {
  readonly directive: string;
  readonly value: string;
}

/** A port the deployment is known to use, and what uses it (said when a TLS port is passed over for it). */
export interface UsedPort {
  readonly port: number;
  readonly by: string;
}

/** What the TLS port of one node is chosen from: the ports of the deployment harden knows. */
export interface TlsPortInput {
  /** This node's plaintext port; 0 (none) counts as 6379. */
  readonly plain: number;
  /**
   * The plaintext ports of the deployment's data nodes that get a TLS port by the same rule (this one's included):
   * every one of them must get a free port at the same offset, so that nodes hardened one by one never meet.
   */
  readonly nodes: readonly number[];
  /** Every port the deployment is known to use: the nodes' ports, cluster bus ports, TLS ports, sentinels. */
  readonly used: readonly UsedPort[];
  /** The cluster bus will listen on tls-port + 10000 (tls-cluster yes without cluster-port, before 7.0): it must be free too. */
  readonly busFollowsTls: boolean;
  /** The offset tried first: 1 (the port beside the plaintext one: 6380 for 6379) for baseline, more for strict. */
  readonly firstOffset: number;
}

/** The chosen TLS port: the plaintext port + `offset`, and the first collision of each smaller offset tried. */
export interface TlsPortChoice {
  readonly port: number;
  readonly offset: number;
  /** For each smaller offset tried, its first collision: `node` + offset = `port`, which `by` uses. */
  readonly passed: readonly { readonly offset: number; readonly node: number; readonly port: number; readonly by: string }[];
}

/**
 * The TLS port of a node: its plaintext port + the smallest offset (from `firstOffset` up) at which no node of the
 * deployment gets a TLS port (or, when the bus follows it, a bus port) that a known port already uses. One offset for
 * every node, not the first free port of each: nodes hardened one at a time from the same view of the deployment get
 * distinct ports (7000-7005 become 7006-7011), where "the next free port" would give each the same one. Ports count
 * whatever their host: a node's view of the others' addresses (announced IPs, hostnames) cannot say which share its
 * host, and every node must reach the same offset. Undefined when no offset fits below 65536.
 */
export function chooseTlsPort(input: TlsPortInput): TlsPortChoice | undefined {
  const plain = input.plain > 0 ? input.plain : 6379;
  const used = new Map<number, string>();
  for (const u of input.used) if (!used.has(u.port)) used.set(u.port, u.by);
  const nodes = [...new Set([plain, ...input.nodes.filter((p) => p > 0)])].sort((a, b) => a - b);
  const passed: { offset: number; node: number; port: number; by: string }[] = [];
  for (let offset = Math.max(1, input.firstOffset); plain + offset <= 65_535; offset++) {
    let clash: { node: number; port: number; by: string } | undefined;
    for (const node of nodes) {
      const tls = node + offset;
      // Past the last port: so is every larger offset.
      if (tls > 65_535 || (input.busFollowsTls && tls + 10_000 > 65_535)) return undefined;
      const by = used.get(tls) ?? (input.busFollowsTls ? used.get(tls + 10_000) : undefined);
      if (by !== undefined) {
        clash = { node, port: tls, by: used.has(tls) ? by : `its cluster bus port, ${tls + 10_000}, is ${by}` };
        break;
      }
    }
    if (!clash) return { port: plain + offset, offset, passed };
    passed.push({ offset, ...clash });
  }
  return undefined;
}

/**
 * The TLS directives, in the order they are written. Client certificates are required (`tls-auth-clients yes`)
 * with the CA given, and replication and the cluster bus use TLS too.
 */
export function tlsDirectives(files: TlsFiles, options: { tlsPort: number; cluster?: boolean }): Directive[] {
  const list: Directive[] = [
    { directive: 'tls-port', value: String(options.tlsPort) },
    { directive: 'tls-cert-file', value: files.cert },
    { directive: 'tls-key-file', value: files.key },
    { directive: 'tls-ca-cert-file', value: files.ca },
    { directive: 'tls-auth-clients', value: 'yes' },
    { directive: 'tls-protocols', value: TLS_PROTOCOLS },
    { directive: 'tls-ciphers', value: TLS_CIPHERS },
    { directive: 'tls-ciphersuites', value: TLS_CIPHERSUITES },
    { directive: 'tls-prefer-server-ciphers', value: TLS_PREFER_SERVER_CIPHERS },
    { directive: 'tls-replication', value: 'yes' },
  ];
  if (options.cluster) list.push({ directive: 'tls-cluster', value: 'yes' });
  return list;
}
