import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CASES, expectAgreement, parse, recorded, run, writeCase } from './listeners.ts';

// A config that leaves the server no listener, or a `bind` it cannot listen on, next to the real servers (see
// ./listeners.ts): Debian's 7.0.15 runs each snippet here; what the builds of 6.0.20, 6.2.16, 7.2.6 and Valkey 9.1.2 did with them is
// recorded (test/fixtures/listeners/builds.json; test/builds/listeners.test.ts runs them). redfort read `port 0` with
// nothing else as a server with no TCP exposure, and 6.x's `bind ""` as its default (every interface): the servers exit
// ('Configured to not listen anywhere, exiting.'; 6.x 'Could not create server TCP listening socket :PORT: Name or
// service not known').

const work = mkdtempSync(join(tmpdir(), 'redfort-listeners-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('no listener, or a bind address that is none, versus the real servers', () => {
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  for (const { conf, sentinel = false } of CASES) {
    it(`redis-server (Debian): ${JSON.stringify(conf)}: the parser refuses it where the server does not start`, async () => {
      const { dir, path, text, socket, port } = await writeCase(work, conf);
      const refusal = parse(path, dir, version, sentinel);
      expectAgreement(version, text, await run('redis-server', dir, sentinel ? ['--sentinel'] : [], { socket, port }), refusal);
    });
  }

  for (const [name, { version, outcomes }] of Object.entries(recorded())) {
    for (const { conf, sentinel = false } of CASES) {
      it(`${name} (recorded): ${JSON.stringify(conf)}: the parser refuses it where the server did not start`, async () => {
        const { dir, path, text } = await writeCase(work, conf);
        const outcome = outcomes[conf];
        if (outcome === undefined) throw new Error(`test/fixtures/listeners/builds.json has no outcome of ${name} for ${JSON.stringify(conf)}`);
        expectAgreement(version, text, outcome, parse(path, dir, version, sentinel));
      });
    }
  }
});
