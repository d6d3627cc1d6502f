
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

/** A line of a host-key file that cannot be understood; the message names the file and line. */
export class HostKeyError extends Error {
  override readonly name = 'HostKeyError';
}

/** Parses the text of a host-key file. Pure. @throws {HostKeyError} */
export function parseHostKey(text: string, path: string): HostKeyMap {
  const labels = new Map<string, { readonly label: string; readonly line: number }>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) {
      // Nothing of the line is shown, only how many fields it has: a file given by mistake may be a password file
      // (`hunter2`, which looks like a host), an ACL file (`user default on >password`), /etc/shadow.
      throw new HostKeyError(`${path}:${index + 1}: expected '<host or host:port> <label>', got ${fields.length === 1 ? 'one field' : `${fields.length} fields`} (value not shown)`);
    }
    const [key, label] = fields as [string, string];
    const normal = key.toLowerCase().replace(/^\[(.*)\](:\d+)?$/, '$1$2');
    const previous = labels.get(normal);
    if (previous !== undefined && previous.label !== label) {
      throw new HostKeyError(`${path}:${index + 1}: its host is given another label at line ${previous.line} (values not shown)`);
    }
    if (previous === undefined) labels.set(normal, { label, line: index + 1 });
  });
  return { path, labels: new Map([...labels].map(([key, { label }]) => [key, label])) };
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
