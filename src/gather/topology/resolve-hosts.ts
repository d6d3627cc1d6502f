import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Fact } from '../../facts/types.ts';
import { abortReason } from '../../util/deadline.ts';

/** What a host name of a deployment resolved to, or why it did not. */
export type HostResolution =
  | { readonly ok: true; readonly addresses: Fact<readonly string[]> }
  | { readonly ok: false; readonly reason: string };

/** Every address of a host name, in the resolver's order. */
export type HostLookup = (name: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), as a connection to the node resolves it. */
const systemLookup: HostLookup = async (name) => (await lookup(name, { all: true })).map((a) => a.address);

const LOOKUP_ERRORS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'host name not found',
  EAI_NONAME: 'host name not found',
  EAI_AGAIN: 'temporary DNS failure',
  EAI_FAIL: 'DNS lookup failed',
  EAI_NODATA: 'host name has no address',
  ENODATA: 'host name has no address',
};

function why(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && LOOKUP_ERRORS[code]) return LOOKUP_ERRORS[code]!;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Resolves each host name among `hosts` (addresses are left alone), all at once and within one `timeoutMs` in all:
 * a sentinel group with `resolve-hostnames yes` names its nodes as they announce themselves, one `localhost`, its
 * neighbour `127.0.0.1`, and a failure domain is a machine, not a spelling. A name that does not resolve in time is
 * said with why, never guessed. Keyed by the name in lower case. Never throws.
 */
export async function resolveHostNames(
  hosts: Iterable<string>,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined; readonly lookup?: HostLookup | undefined },
): Promise<Map<string, HostResolution>> {
  const names = [...new Set([...hosts].map((h) => h.toLowerCase()).filter((h) => h !== '' && isIP(h) === 0))];
  const out = new Map<string, HostResolution>();
  if (names.length === 0) return out;
  const ask = options.lookup ?? systemLookup;
  const { signal, timeoutMs } = options;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // getaddrinfo cannot be cancelled: a lookup still running at the deadline is left behind, unanswered.
  const stop = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    onAbort = () => resolve(abortReason(signal!));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.all(
      names.map(async (name) => {
        const answer = await Promise.race([
          ask(name).then(
            (addresses): HostResolution =>
              addresses.length > 0
                ? { ok: true, addresses: { value: [...addresses], source: { kind: 'host', detail: `name lookup of ${name}` } } }
                : { ok: false, reason: 'host name has no address' },
            (error: unknown): HostResolution => ({ ok: false, reason: why(error) }),
          ),
          stop.then((reason): HostResolution => ({ ok: false, reason })),
        ]);
        out.set(name, answer);
      }),
    );
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  return out;
}
