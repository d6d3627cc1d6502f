import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { err } from '../helpers/fake-resp-server.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// A Redis 6.0 sentinel loads no ACL users, and its AUTH takes one argument: `AUTH auditor <password>` (the
// auditor user of docs/auditor-user.md) is refused for its arity. The audit said only "authentication failed: ERR".
// The recording is the real 6.0.20 sentinel's; AUTH with a user name gets the reply that sentinel gave to
// `redis-cli --user auditor --pass …` (the recording holds AUTH with a password alone).
const ARITY = "ERR wrong number of arguments for 'auth' command";

describe('AUTH with a user name to a server without ACL users', () => {
  let server: RecordedServer | undefined;
  after(() => server?.close());

  it('says the server takes a password alone, not only "ERR"', async () => {
    server = await startRecordedServer('redis-6.0.20-sentinel', {
      override: (argv) => (argv[0]?.toUpperCase() === 'AUTH' && argv.length === 3 ? err(ARITY) : undefined),
    });
    const outcome = await gatherLive(resolveTarget(server.url, { user: 'auditor', pass: 'Aud1tor-very-long-pass-xyz-26' }, {}));
    assert.equal(outcome.ok, false);
    assert.match(outcome.ok ? '' : outcome.error, /^authentication failed: this server's AUTH takes a password alone, not a user name \(Redis before 6\.0, or a Redis 6\.0 sentinel/);
    assert.doesNotMatch(outcome.ok ? '' : outcome.error, /Aud1tor/);
  });
});
