import type { Shape } from '../util/shown.ts';
import { notShown, quotable } from '../util/shown.ts';

/**
 * A `--host-key` file names the failure domain of each node, one per line:
 *
 * ```text
 * # node (IP address, hostname or host:port)   label (a machine, a rack, an availability zone)
 * 10.0.5.11        eu-west-1a
 * 10.0.5.12:6380   eu-west-1b
 * redis-c.internal eu-west-1c
 * ```
 *
 * Blank lines and `#` comments are ignored. A `host:port` line wins over a host line; nodes that no line
 * names keep their IP address as their label.
 */
export interface HostKeyMap {
  /** The file the mapping was read from, for messages. */
  readonly path: string;
  /** Key (`host:port`, IP address or hostname, lowercase) to label. */
  readonly labels: ReadonlyMap<string, string>;
}

/** The characters of a host, an IP address or a host:port. */
const HOST: Shape = { noun: 'host or host:port', pattern: /^[A-Za-z0-9_.:[\]-]+$/ };

/** A line of a host-key file that cannot be understood; the message names the file and line. */
export class HostKeyError extends Error {
  override readonly name = 'HostKeyError';
}

/** Parses the text of a host-key file. Pure. @throws {HostKeyError} */
export function parseHostKey(text: string, path: string): HostKeyMap {
  const labels = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) {
      // A lone host is quoted; of more fields only the first, when it looks like a host, and their count: the rest of
      // a line may be a secret (`user default on >password` of an ACL file given by mistake). A file that is no
      // host-key file (/etc/shadow) is not echoed.
      const host = quotable(fields[0]!, HOST) ? `'${fields[0]}'` : undefined;
      const got = host === undefined ? `a line ${notShown(line)}` : fields.length === 1 ? host : `${fields.length} fields, the first ${host} (the others not shown)`;
      throw new HostKeyError(`${path}:${index + 1}: expected '<host or host:port> <label>', got ${got}`);
    }
    const [key, label] = fields as [string, string];
    const normal = key.toLowerCase().replace(/^\[(.*)\](:\d+)?$/, '$1$2');
    const previous = labels.get(normal);
    if (previous !== undefined && previous !== label) {
      throw new HostKeyError(`${path}:${index + 1}: '${key}' is already labelled '${previous}'`);
    }
    labels.set(normal, label);
  });
  return { path, labels };
}

type KeyedNode = { readonly host: string; readonly port: number; readonly hostname?: string | undefined };

/** The host-key label of a node, or undefined when no line of the file names it. */
export function keyedLabel(node: KeyedNode, hostKey: HostKeyMap | undefined): string | undefined {
  if (!hostKey) return undefined;
  const host = node.host.toLowerCase();
  return hostKey.labels.get(`${host}:${node.port}`) ?? hostKey.labels.get(host) ?? (node.hostname ? hostKey.labels.get(node.hostname.toLowerCase()) : undefined);
}

/** The failure domain of a node: its host-key label, else its host. */
export function labelOf(node: KeyedNode, hostKey: HostKeyMap | undefined): string {
  return keyedLabel(node, hostKey) ?? node.host;
}

/**
 * The host-key file to group `nodes` by, and a warning when it names none of them (hostnames where the nodes
 * announce IP addresses, a typo, another environment's file): such a file is no evidence of failure domains, so
 * the nodes are grouped by their host addresses, as without it, and no rule or plan says "from FILE".
 */
export function hostKeyFor(nodes: readonly KeyedNode[], hostKey: HostKeyMap | undefined): { hostKey: HostKeyMap | undefined; warning?: string } {
  if (!hostKey || nodes.length === 0 || nodes.some((n) => keyedLabel(n, hostKey) !== undefined)) return { hostKey };
  return {
    hostKey: undefined,
    warning: `--host-key ${hostKey.path} names none of the ${nodes.length} node${nodes.length === 1 ? '' : 's'}: it was not used, the nodes are grouped by their host addresses`,
  };
}
