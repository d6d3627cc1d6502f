import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gatherFiles } from '../../src/gather/conf/gather-files.ts';
import { secretsFromFacts } from '../../src/gather/host/secrets.ts';
import type { Facts } from '../../src/facts/types.ts';

// host.config-file-permissions says which secrets a readable file holds. For a Valkey file it named `primaryauth`
// masterauth, while auth.plaintext-passwords of the same run named the line as written (QA43-6).
describe('the secrets a config file holds, as the file writes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-secret-names-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [version, directive] of [['valkey-9.1.2', 'primaryauth'], ['7.2.6', 'masterauth']] as const) {
    it(`${version}: ${directive}`, async () => {
      const path = join(dir, `${directive}.conf`);
      writeFileSync(path, `port 6390\n${directive} "s3cr3t-s3cr3t-s3cr3t"\nrequirepass "an-other-s3cr3t-s3cr3t"\n`);
      const outcome = await gatherFiles({ configPath: path, version, versionKnown: true });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
      const facts = { files: outcome.gathered.files } as unknown as Facts;
      assert.deepEqual(secretsFromFacts(facts, path), [`${path}:2: ${directive}`, `${path}:3: requirepass`]);
    });
  }
});
