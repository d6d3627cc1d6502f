import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild, versionOf } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { CASES, expectAgreement, parse, recorded, RECORDED_PATH, run, writeCase } from '../conf/listeners.ts';

// The real builds behind test/fixtures/listeners/builds.json (test/conf/listeners.test.ts): each still does with each
// snippet what is recorded, and the parser, given the build's version, agrees with it.

const work = mkdtempSync(join(tmpdir(), 'redfort-listeners-builds-'));
after(() => rmSync(work, { recursive: true, force: true }));

const BUILT: readonly BuildName[] = ['redis-6.0.20', 'redis-6.2.16', 'redis-7.2.6', 'valkey-9.1.2'];

describe('no listener, or a bind address that is none, versus the real builds', () => {
  const fixture = recorded();
  it('the recording has exactly these builds', () => {
    assert.deepEqual(Object.keys(fixture).sort(), [...BUILT].sort());
  });
  for (const name of BUILT) {
    for (const { conf, sentinel = false } of CASES) {
      it(`${name}: ${JSON.stringify(conf)}: as recorded, and the parser refuses it where the server does not start`, async () => {
        const binary = realBuild(name);
        const version = versionOf(binary);
        const { dir, path, text, socket, port } = await writeCase(work, conf);
        const outcome = await run(binary, dir, sentinel ? ['--sentinel'] : [], { socket, port });
        assert.equal(version, fixture[name]?.version, `${RECORDED_PATH}: ${name}'s version`);
        assert.deepEqual(outcome, fixture[name]?.outcomes[conf], `${RECORDED_PATH}: ${name} with ${JSON.stringify(conf)} did ${JSON.stringify(outcome)}`);
        expectAgreement(version, text, outcome, parse(path, dir, version, sentinel));
      });
    }
  }
});
