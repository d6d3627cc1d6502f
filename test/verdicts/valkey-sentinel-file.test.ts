import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { expectStatus } from '../probe/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'redfort-valkey-sentinel-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it("a Valkey 8 sentinel.conf alone: the @dangerous commands are a Valkey 8.0.1 sentinel's 43, not Redis 7.0's 39", async () => {
  // A live valkey-sentinel 8.0.1 (ACL CAT dangerous, src/acl/data/categories-sentinel-valkey-8.0.json) adds
  // sentinel|primaries, primary, get-primary-addr-by-name and is-primary-down-by-addr to Redis 7.0.15's 39.
  const path = join(dir, 'sentinel.conf');
  writeFileSync(path, 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n');
  const { results } = await auditFiles({ sentinelConfigPath: path, version: 'valkey-8.0.1' });
  const [dangerous] = expectStatus(results, 'auth.dangerous-commands-allowed', 'fail');
  assert.match(dangerous!.message, /^user 'default' may run 43 @dangerous commands through \+@all: /);
  // Redis 7.0 as before: the 7.0.15 sentinel table.
  const redis = await auditFiles({ sentinelConfigPath: path, version: '7.0.15' });
  assert.match(expectStatus(redis.results, 'auth.dangerous-commands-allowed', 'fail')[0]!.message, /may run 39 @dangerous commands/);
});
