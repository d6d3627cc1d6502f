import type { Fact } from '../../facts/types.ts';
import type { SentinelGroupView, SentinelPeer } from '../../facts/live.ts';
import { ConnectionError, ReplyError } from '../live/resp.ts';
import { connectTrusting } from '../live/tls-trust.ts';
import type { Reply, RespConnection } from '../live/resp.ts';
import type { Target } from '../../redis/target.ts';
import { targetPassword } from '../../redis/target.ts';
import { AUDIT_REPLY_BOUNDS, authCommand, targetConnectOptions } from '../live/login.ts';
import { redact } from '../../util/redact.ts';
import { pairsOf } from '../live/parse-replies.ts';

export type { SentinelPeer } from '../../facts/live.ts';
/** What one sentinel says about one monitored master beyond `SENTINEL MASTERS`. */
export type SentinelGroupReplies = SentinelGroupView;

function peers(reply: Reply | undefined): SentinelPeer[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry) => {
    const fields = new Map(pairsOf(entry));
    const runId = fields.get('runid');
    return {
      host: fields.get('ip') ?? '',
      port: Number(fields.get('port') ?? 0),
      flags: (fields.get('flags') ?? '').split(',').filter(Boolean),
      masterLinkStatus: fields.get('master-link-status'),
      ...(runId !== undefined && /^[0-9a-f]{40}$/i.test(runId) ? { runId: runId.toLowerCase() } : {}),
    };
  });
}

function refusal(reply: Reply | undefined, what: string, grant: string): string | undefined {
  if (reply instanceof ReplyError) {
    if (reply.code === 'NOPERM') return `the audit user may not run ${what} (grant ${grant})`;
    return `${what} failed: ${reply.message}`;
  }
  return Array.isArray(reply) || typeof reply === 'string' ? undefined : `${what} gave an unexpected reply`;
}

/** `SENTINEL CKQUORUM` answers `+OK …` or `-NOQUORUM …`; any other error means it could not be asked. */
export function parseCkquorum(reply: Reply | undefined, name: string): Pick<SentinelGroupReplies, 'ckquorum'> & { unavailable?: string } {
  const source = { kind: 'live', command: `SENTINEL CKQUORUM ${name}` } as const;
  if (typeof reply === 'string') return { ckquorum: { value: { ok: true, message: reply }, source } };
  if (reply instanceof ReplyError && reply.code === 'NOQUORUM') return { ckquorum: { value: { ok: false, message: reply.message }, source } };
  return { ckquorum: undefined, unavailable: refusal(reply, `SENTINEL CKQUORUM ${name}`, '+sentinel|ckquorum') ?? 'SENTINEL CKQUORUM gave an unexpected reply' };
}

/** The commands of each group's replies, three per master in order (see {@link groupsFromReplies}). */
export function groupCommands(names: readonly string[]): string[][] {
  return names.flatMap((name) => [
    ['SENTINEL', 'REPLICAS', name],
    ['SENTINEL', 'SENTINELS', name],
    ['SENTINEL', 'CKQUORUM', name],
  ]);
}

/** Builds each group's replies from the pipeline's, three per master in order. Pure. */
export function groupsFromReplies(names: readonly string[], replies: readonly Reply[]): SentinelGroupReplies[] {
  return names.map((name, i) => {
    const [replicas, sentinels, ckquorum] = [replies[3 * i], replies[3 * i + 1], replies[3 * i + 2]];
    const quorum = parseCkquorum(ckquorum, name);
    const unavailable = {
      ...(refusal(replicas, `SENTINEL REPLICAS ${name}`, '+sentinel|replicas') !== undefined && { replicas: refusal(replicas, `SENTINEL REPLICAS ${name}`, '+sentinel|replicas') }),
      ...(refusal(sentinels, `SENTINEL SENTINELS ${name}`, '+sentinel|sentinels') !== undefined && { sentinels: refusal(sentinels, `SENTINEL SENTINELS ${name}`, '+sentinel|sentinels') }),
      ...(quorum.unavailable !== undefined && { ckquorum: quorum.unavailable }),
    };
    return { name, replicas: peers(replicas), sentinels: peers(sentinels), ckquorum: quorum.ckquorum, unavailable };
  });
}

/**
 * Asks a sentinel, in one pipeline, for the replicas, the peer sentinels and the quorum check of every master
 * it monitors. Read-only. Rejects with a message (without secrets) when the sentinel cannot be reached.
 */
export async function gatherSentinelGroups(
  target: Target,
  names: readonly string[],
  options: { readonly connectTimeoutMs?: number; readonly commandTimeoutMs?: number; readonly signal?: AbortSignal | undefined } = {},
): Promise<SentinelGroupReplies[]> {
  if (names.length === 0) return [];
  let conn: RespConnection | undefined;
  try {
    // As the audit's own connection (issue 11): a certificate that does not verify is judged as tls.certificate, not
    // the end of the discovery; the credentials go only where the chain verifies to a trusted CA (tls-trust.ts).
    const trusted = await connectTrusting({ ...(await targetConnectOptions(target, options)), ...AUDIT_REPLY_BOUNDS });
    conn = trusted.conn;
    const login = trusted.withheld === undefined ? authCommand(target) : undefined;
    const auth = login === undefined ? [] : [login];
    const commands = groupCommands(names);
    const replies = await conn.pipeline([...auth, ...commands]);
    return groupsFromReplies(names, replies.slice(auth.length));
  } catch (error) {
    const message = error instanceof ConnectionError || error instanceof Error ? error.message : String(error);
    throw new Error(redact(message, [targetPassword(target) ?? '']));
  } finally {
    conn?.close();
  }
}
