import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild, versionOf } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { parse } from '../conf/listeners.ts';
import { CASES, expectAgreement, outcomeOf, recorded, RECORDED_PATH } from '../conf/module-configs.ts';

// The real builds behind test/fixtures/module-configs/builds.json (test/conf/module-configs.test.ts): each still does
// with each snippet what is recorded, and the parser, given the build's version, agrees with it.

const work = mkdtempSync(join(tmpdir(), 'redfort-module-configs-builds-'));
after(() => rmSync(work, { recursive: true, force: true }));

const BUILT: readonly BuildName[] = ['redis-8.0.6', 'redis-8.6.3', 'valkey-9.1.2'];

describe('unknown directives and module configs versus the real builds', () => {
  const fixture = recorded();
  it('the recording has exactly these builds', () => {
    assert.deepEqual(Object.keys(fixture).sort(), [...BUILT].sort());
  });
  for (const name of BUILT) {
    for (const snippet of CASES) {
      it(`${name}: ${JSON.stringify(snippet)}: as recorded, and the parser refuses it where the server does not start`, async () => {
        const binary = realBuild(name);
        const version = versionOf(binary);
        const { outcome, path, dir, text } = await outcomeOf(binary, work, snippet);
        assert.equal(version, fixture[name]?.version, `${RECORDED_PATH}: ${name}'s version`);
        assert.deepEqual(outcome, fixture[name]?.outcomes[snippet], `${RECORDED_PATH}: ${name} with ${JSON.stringify(snippet)} did ${JSON.stringify(outcome)}`);
        expectAgreement(version, text, outcome, parse(path, dir, version, false));
      });
    }
  }
});
