import { RespError, rawCommand } from '../harness/raw.ts';
import { startSentinels } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

/**
 * Three real sentinels of `master` whose password is a `user default on >password` line alone (no requirepass, no
 * sentinel-pass): each logs in to its peers with requirepass (redis@7.0.15:src/sentinel.c sentinelSendAuthIfNeeded),
 * gets NOAUTH, and flags them down, while still counting them (hello messages go through the master). Returned once
 * the first counts its two peers. `auditor` is a user whose rules are `+@all` then `auditorRules`.
 */
export async function startLockedOutSentinels(master: RunningServer, password: string, auditor: { user: string; pass: string }, auditorRules: string): Promise<RunningServer[]> {
  const sentinels = await startSentinels(3, master, { password, conf: `user default on >${password} ~* &* +@all\nuser ${auditor.user} on >${auditor.pass} ~* &* +@all ${auditorRules}` });
  const ask = (args: string[]) => rawCommand(sentinels[0]!.host, sentinels[0]!.port, args, { password });
  await eventually('each sentinel to count 2 peers', async () => {
    const fields = (await ask(['SENTINEL', 'MASTER', 'mymaster'])) as string[];
    return fields[fields.indexOf('num-other-sentinels') + 1] === '2';
  }, { timeoutMs: 20_000 });
  return sentinels;
}

/** The error `SENTINEL CKQUORUM mymaster` gives on `sentinel`, once it gives one (NOQUORUM when its peers are down). */
export function ckquorumRefusal(sentinel: RunningServer, password: string): Promise<string> {
  return eventually('CKQUORUM to refuse', async () => {
    try {
      await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'CKQUORUM', 'mymaster'], { password });
      return undefined;
    } catch (error) {
      return error instanceof RespError ? error.message : undefined;
    }
  }, { timeoutMs: 30_000 });
}
