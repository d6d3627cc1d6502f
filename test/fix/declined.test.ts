// QA40-26: declining the confirmation of --include-disruptive applied nothing and exited 1, the code of "a step
// failed and was rolled back". Nothing was tried: it is a refusal, 2, as a stale plan or another fix at work is.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runFix } from '../../src/fix/run.ts';
import type { FixIo } from '../../src/fix/run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { snapshot, workDir } from './helpers.ts';

after(stopAll);

const P = 'declined-pass-0123456789abcdef';

describe('fix --apply --include-disruptive, declined at the question (QA40-26)', () => {
  it('changes nothing, says it was declined, and exits 2', async () => {
    const server = await startRedis({ conf: `requirepass ${P}`, password: P });
    const before = await snapshot(server, { password: P });
    const dir = workDir();
    const said: string[] = [];
    let asked = 0;
    const io: FixIo = {
      out: () => {},
      say: (line) => said.push(line),
      interactive: true,
      confirm: async () => {
        asked++;
        return false;
      },
    };
    const code = await runFix(server.url, {
      apply: true,
      includeDisruptive: true,
      format: 'text',
      secrets: join(dir, 'redfort-secrets.env'),
      rollbackFile: join(dir, 'rb.json'),
      probe: false,
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10_000,
      env: { REDISCLI_AUTH: P },
    }, io);
    assert.equal(asked, 1, 'the question was asked');
    assert.equal(code, 2, said.join('\n'));
    assert.ok(said.includes('declined: nothing applied'), said.join('\n'));
    assert.ok(!existsSync(join(dir, 'rb.json')), 'nothing recorded');
    assert.deepEqual(await snapshot(server, { password: P }), before);
  });
});
