import { rawPipeline, RespError } from '../harness/raw.ts';
import type { RespValue } from '../harness/raw.ts';
import { arr, bulk, err, startFakeServer } from './fake-resp-server.ts';
import type { FakeServer } from './fake-resp-server.ts';

/** A RESP2 encoding of a reply the raw client read. */
export function encodeReply(reply: RespValue): string {
  if (reply instanceof RespError) return err(reply.message);
  if (reply === null) return bulk(null);
  if (typeof reply === 'number') return `:${reply}\r\n`;
  if (Array.isArray(reply)) return arr(...reply.map(encodeReply));
  return bulk(reply);
}

/**
 * A proxy (or a hostile server) in front of the real server `real`: every command forwarded to it, its CONFIG GET
 * replies without the settings named in `dropped`. RESP2 only, as rawPipeline reads: HELLO is refused. The caller
 * closes it.
 */
export function configFilteringProxy(real: { readonly host: string; readonly port: number }, dropped: readonly string[]): Promise<FakeServer> {
  return startFakeServer(async (argv) => {
    if (argv[0]!.toUpperCase() === 'HELLO') return err('ERR unknown command');
    const [reply] = await rawPipeline(real.host, real.port, [argv]);
    if (argv.slice(0, 2).join(' ').toUpperCase() === 'CONFIG GET' && Array.isArray(reply)) {
      const pairs: RespValue[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) if (!dropped.includes(String(reply[i]))) pairs.push(reply[i]!, reply[i + 1]!);
      return encodeReply(pairs);
    }
    return encodeReply(reply ?? null);
  });
}
