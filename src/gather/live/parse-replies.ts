import type { ClusterNode, SentinelMaster, Source } from '../../facts/types.ts';

/** `CONFIG GET` replies come as a flat array (RESP2) or a map (RESP3). */
export function pairsOf(reply: unknown): [string, string][] {
  const pairs: [string, string][] = [];
  forEachPair(reply, (name, value) => pairs.push([name, value]));
  return pairs;
}

/** {@link pairsOf} one pair at a time, without an array per pair (CONFIG GET * is some 200 of them per target). */
export function forEachPair(reply: unknown, each: (name: string, value: string) => void): void {
  if (reply instanceof Map) {
    for (const [k, v] of reply) each(String(k), v === null ? '' : String(v));
    return;
  }
  if (!Array.isArray(reply)) return;
  for (let i = 0; i + 1 < reply.length; i += 2) each(String(reply[i]), reply[i + 1] === null ? '' : String(reply[i + 1]));
}

/** Parses `CLUSTER NODES`. Address forms: `ip:port@cport` and, from 7.0, `ip:port@cport,hostname`. */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, address, flags, master, , , , linkState, ...slotSpecs] = parts as [string, string, string, string, string, string, string, string, ...string[]];
    const [hostPort, busAndName = ''] = address.split('@') as [string, string?];
    const [busPort, hostname] = busAndName.split(',');
    const colon = hostPort.lastIndexOf(':');
    const slots: [number, number][] = [];
    for (const spec of slotSpecs) {
      if (spec.startsWith('[')) continue; // importing/migrating markers
      const [from, to] = spec.split('-');
      const a = Number(from);
      const b = to === undefined ? a : Number(to);
      if (Number.isInteger(a) && Number.isInteger(b)) slots.push([a, b]);
    }
    nodes.push({
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      busPort: Number(busPort ?? 0),
      hostname: hostname || undefined,
      flags: flags.split(','),
      masterId: master === '-' ? undefined : master,
      slots,
      linkState,
    });
  }
  return nodes;
}

/** Parses `SENTINEL MASTERS` (an array of flat field/value arrays). */
export function parseSentinelMasters(reply: unknown, source: Source): SentinelMaster[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => {
    const fields = new Map(pairsOf(entry));
    return {
      name: fields.get('name') ?? '',
      host: fields.get('ip') ?? '',
      port: Number(fields.get('port') ?? 0),
      quorum: Number(fields.get('quorum') ?? 0),
      flags: fields.get('flags') ?? '',
      numOtherSentinels: Number(fields.get('num-other-sentinels') ?? 0),
      numReplicas: Number(fields.get('num-slaves') ?? 0),
      authUser: undefined,
      authPass: undefined,
      source,
    };
  });
}
