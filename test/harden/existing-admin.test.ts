// QA36-2 on Debian's redis-server 7.0.15: an existing `admin` (+@all) keeps the admin commands it held, by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { stopAll } from '../harness/servers.ts';
import { hardenExistingAdmin } from './existing-admin.ts';

const redisServer = (): string => execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-admin-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('harden keeps an existing admin an administrator (QA36-2)', () => {
  it("user admin ~* &* +@all: after harden, on the started output, admin runs CONFIG SET, ACL SETUSER and INFO, and PLAN.md's audit command runs", async () => {
    await hardenExistingAdmin(join(work, 'debian'), redisServer());
  });

  it("user admin ~* &* +@read +@write +@connection (no admin commands): not widened, PLAN.md says so, and its audit command (as the auditor) runs", async () => {
    await hardenExistingAdmin(join(work, 'reader'), redisServer(), { rules: '~* &* +@read +@write +@connection', administers: false });
  });
});
