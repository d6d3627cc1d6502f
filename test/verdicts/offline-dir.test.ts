import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';

// redis-server's default `dir ./` is the directory it was started in (systemd: `/` or WorkingDirectory=, a
// container's WORKDIR), which an audit of the files alone does not know. It was taken as the config file's directory:
// a redis.conf stored in /etc without a `dir` line failed persistence.system-path, critical, "treat the server as
// compromised" (QA36-8). Now the default and a relative `dir` stay relative, and only the file names are judged:
// where the files go is unknown, a skip (QA41-110: it was a pass, as if the directory were known to be safe).

const base = mkdtempSync(join(tmpdir(), 'redfort-offline-dir-'));
after(() => rmSync(base, { recursive: true, force: true }));
const systemPath = (r: TargetResult) => r.results.find((x) => x.ruleId === 'persistence.system-path')!;

test('a config in /etc without a dir line: no system-path failure from the assumed directory', async (t) => {
  // A file that exists in /etc and holds no `dir` line (Debian's /etc/environment is empty or variables only).
  const path = '/etc/environment';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    t.skip('/etc/environment cannot be read here');
    return;
  }
  if (/^\s*dir\b/im.test(text) || text.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) {
    t.skip('/etc/environment is not an empty config here');
    return;
  }
  const result = await auditFiles({ configPath: path, version: '7.2.4' });
  assert.equal(result.error, undefined, result.error);
  const r = systemPath(result);
  assert.equal(r.status, 'skip', r.message);
  assert.match(r.message, /^dir is '\.\/', relative to the directory redis-server starts in, which the files do not say .*: the file names \('dump\.rdb'/);
  assert.doesNotMatch(JSON.stringify(result), /assumed \/etc/);
});

test('a config in a temp directory: dir is the start directory, a relative dir stays relative, an absolute one is judged', async () => {
  const dir = join(base, 'conf');
  mkdirSync(dir);
  const none = join(dir, 'none.conf');
  writeFileSync(none, 'port 6390\n');
  const r1 = systemPath(await auditFiles({ configPath: none, version: '7.2.4' }));
  assert.equal(r1.status, 'skip');
  assert.match(r1.message, /^dir is '\.\/', relative/);
  assert.ok(!r1.message.includes(dir), r1.message);

  const relative = join(dir, 'relative.conf');
  writeFileSync(relative, 'dir data\ndir ../etc\ndbfilename dump.rdb\n');
  const r2 = systemPath(await auditFiles({ configPath: relative, version: '7.2.4' }));
  assert.equal(r2.status, 'skip', r2.message);
  assert.match(r2.message, /^dir is 'etc', relative to the directory redis-server starts in/);

  // A bad name is still judged, whatever the directory.
  const name = join(dir, 'name.conf');
  writeFileSync(name, 'dbfilename authorized_keys\n');
  assert.equal(systemPath(await auditFiles({ configPath: name, version: '7.2.4' })).status, 'fail');

  // An absolute dir, and a relative one after it, are known.
  const absolute = join(dir, 'absolute.conf');
  writeFileSync(absolute, 'dir /\ndir etc\n');
  const r3 = systemPath(await auditFiles({ configPath: absolute, version: '7.2.4' }));
  assert.equal(r3.status, 'fail');
  assert.match(r3.message, /dir is '\/etc', a system location/);

  // A caller that knows the start directory (harden's own check of its output, a service's WorkingDirectory) still
  // gets it.
  const known = systemPath(await auditFiles({ configPath: none, version: '7.2.4', cwd: '/etc' }));
  assert.equal(known.status, 'fail');
  const harden = systemPath(await auditFiles({ configPath: none, version: '7.2.4', offline: false }));
  assert.equal(harden.status, 'pass');
  assert.match(harden.message, new RegExp(`data files go to '${dir}'`));
});
