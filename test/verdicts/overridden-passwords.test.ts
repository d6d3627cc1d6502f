import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// QA38-9: auth.plaintext-passwords named only the requirepass line that wins. A line a later one overrides, in the
// same file or an `include`d one, still holds its password on disk, and is named too. Real servers (Debian's
// redis-server) read the include; the audit reads the files from the running process.
after(stopAll);

const FIRST = 'overridden-first-password-5c1e';
const SECOND = 'overridden-second-password-7a2d';
const plaintext = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'auth.plaintext-passwords');
const lineOf = (path: string, text: string) => readFileSync(path, 'utf8').split('\n').indexOf(text) + 1;

describe('auth.plaintext-passwords: a requirepass overridden by an include (real servers)', () => {
  for (const order of ['the include last', 'the include first'] as const) {
    it(`${order}: both lines are named, the one that lost saying which line overrides it`, async () => {
      // The include's `requirepass SECOND` and the config file's `requirepass FIRST`, in this order in redis.conf.
      const includeLast = order === 'the include last';
      const winner = includeLast ? SECOND : FIRST;
      const server = await startRedis({
        conf: includeLast ? `requirepass ${FIRST}\ninclude local.conf` : `include local.conf\nrequirepass ${FIRST}`,
        files: { 'local.conf': `requirepass ${SECOND}\n` },
        password: winner,
      });
      // The server took the last line it read.
      assert.equal(await rawCommand(server.host, server.port, ['PING'], { password: winner }), 'PONG');
      await assert.rejects(rawCommand(server.host, server.port, ['PING'], { password: includeLast ? FIRST : SECOND }));

      const r = await auditTarget(resolveTarget(server.url, { pass: winner }, {}), { noProbe: true });
      assert.equal(r.error, undefined, r.error);
      const conf = { kind: 'file', path: server.confPath, line: lineOf(server.confPath, `requirepass ${FIRST}`) };
      const local = { kind: 'file', path: join(server.dir, 'local.conf'), line: 1 };
      const [lost, won] = includeLast ? [conf, local] : [local, conf];
      const found = plaintext(r);
      assert.deepEqual(found.map((x) => [x.status, x.message, x.source]), [
        ['fail', `requirepass holds a clear-text password (overridden by ${won.path}:${won.line}, but still in the file)`, lost],
        ['fail', 'requirepass holds a clear-text password', won],
      ]);
      assert.doesNotMatch(JSON.stringify(r), new RegExp(`${FIRST}|${SECOND}`));
    });
  }
});
