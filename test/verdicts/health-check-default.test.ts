import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

after(stopAll);

// QA43-58: the health-check default user (`on nopass resetchannels -@all +ping`): a client without a password runs PING
// and nothing else (GET: NOPERM). auth.no-authentication failed it critical, "runs commands without a password".
it('auth.no-authentication: a password-less default user that may run only PING fails low, saying so', async () => {
  const redis = await startRedis({ killOnStop: true });
  const pass = 'health-check-auditor-0123456789abcdef';
  const replies = await rawPipeline(redis.host, redis.port, [['ACL', 'SETUSER', 'auditor', 'on', `>${pass}`, '~*', '&*', '+@all'], ['ACL', 'SETUSER', 'default', 'on', 'nopass', 'resetchannels', '-@all', '+ping'], ['GET', 'x']]);
  assert.deepEqual(replies.slice(0, 2), ['OK', 'OK']);
  assert.match(String(replies[2]), /NOPERM/);
  const { results } = await auditTarget(resolveTarget(redis.url, { user: 'auditor', pass }, {}));
  const found = results.filter((r) => r.ruleId === 'auth.no-authentication');
  assert.deepEqual(found.map((r) => [r.status, r.severity]), [['fail', 'low']], found.map((r) => r.message).join('\n'));
  assert.match(found[0]!.message, /^the default user is 'on' and 'nopass', but may run only PING: /);
});
