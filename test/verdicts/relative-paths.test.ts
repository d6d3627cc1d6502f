import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gatherFiles } from '../../src/gather/conf/gather-files.ts';

// Issue 11 #2: `--config dir/redis.conf` (the CI use case) read dir/dir/redis.conf.
const root = mkdtempSync(join(tmpdir(), 'redfort-rel-'));
mkdirSync(join(root, 'dir'));
writeFileSync(join(root, 'dir', 'redis.conf'), 'port 6380\naclfile users.acl\n');
writeFileSync(join(root, 'dir', 'users.acl'), 'user default on nopass ~* &* +@all\n');
writeFileSync(join(root, 'dir', 'sentinel.conf'), 'sentinel monitor m 127.0.0.1 6380 2\n');
writeFileSync(join(root, 'other.acl'), 'user default off\n');
const before = process.cwd();
process.chdir(root);
after(() => {
  process.chdir(before);
  rmSync(root, { recursive: true, force: true });
});

test('a relative --config with a directory part is read once, from where redfort runs', async () => {
  const outcome = await gatherFiles({ configPath: 'dir/redis.conf' });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  assert.equal(outcome.gathered.config?.get('port')?.value, '6380');
  // aclfile inside the file stays relative to the server's directory (the config's).
  assert.deepEqual(outcome.gathered.files.paths, [join(root, 'dir', 'redis.conf'), join(root, 'dir', 'users.acl')]);
});

test('a relative --sentinel-config and --acl-file likewise', async () => {
  const sentinel = await gatherFiles({ sentinelConfigPath: 'dir/sentinel.conf' });
  assert.ok(sentinel.ok, sentinel.ok ? '' : sentinel.error);
  assert.equal(sentinel.gathered.mode, 'sentinel');
  const both = await gatherFiles({ configPath: 'dir/redis.conf', aclPath: 'other.acl' });
  assert.ok(both.ok, both.ok ? '' : both.error);
  assert.ok(both.gathered.files.paths.includes(join(root, 'other.acl')));
  assert.equal(both.gathered.acl?.users.find((u) => u.name === 'default')?.enabled, false);
});
