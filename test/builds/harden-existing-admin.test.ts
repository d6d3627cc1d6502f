// QA36-2 on a real Redis 8.6.3 build (the QA's): an existing `admin` (+@all) keeps the admin commands it held.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { stopAll } from '../harness/servers.ts';
import { hardenExistingAdmin } from '../harden/existing-admin.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-admin-builds-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('harden keeps an existing admin an administrator, Redis 8.6.3 (QA36-2)', () => {
  it("after harden, on the started output, admin runs CONFIG SET, ACL SETUSER and INFO, and PLAN.md's audit command runs", async () => {
    await hardenExistingAdmin(join(work, 'r86'), realBuild('redis-8.6.3'));
  });
});
