import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, runCli } from '../report/cli-run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { snapshot, workDir } from './helpers.ts';
import { CORPUS, corpusFiles, startHereLines } from '../helpers/corpus.ts';

// `redfort fix` on servers configured as real deployments are: every config file of the corpus
// (test/fixtures/corpus/MANIFEST.tsv) that redis-server starts with, followed by a few lines that give it a free port
// and its own directory. Apply every step, disruptive ones included; the apply's own re-audit must find nothing
// worse, and --rollback must give back the server exactly as it was (CONFIG GET *, ACL LIST, the file's mode). A
// deployment that is unhealthy before any change (a lone cluster node without slots) is refused, unchanged.

after(stopAll);
before(build);

const files = corpusFiles(['redis.conf', 'fragment']);

describe("fix on the corpus's configs", () => {
  let applied = 0;
  let refused = 0;

  // Two files at a time: each has its own server, directory and CLI runs, and much of an item is waiting for them.
  describe('each file', { concurrency: 2 }, () => {
    for (const file of files) {
      it(file, async (t) => {
        const text = readFileSync(join(CORPUS, file), 'latin1');
        let server;
        try {
          server = await startRedis({ confText: (port) => text + startHereLines(port), killOnStop: true });
        } catch {
          t.diagnostic('not a file this redis-server starts with');
          return;
        }
        try {
          let before;
          try {
            before = await snapshot(server);
          } catch (error) {
            // A password the corpus does not show, or CONFIG renamed away: fix cannot log in or read, nothing to compare.
            t.diagnostic(`not readable without the file's own credentials: ${(error as Error).message}`);
            return;
          }
          const dir = workDir();
          const run = await runCli(['fix', server.url, '--apply', '--include-disruptive', '--yes', '--no-probe', '--rollback-file', 'rb.json'], { cwd: dir });
          const said = run.stdout + run.stderr;
          if (run.code === 2) {
            assert.match(said, /before any change: fix changes nothing on a deployment that is not healthy/);
            assert.ok(!existsSync(join(dir, 'rb.json')), 'nothing recorded');
            assert.deepEqual(await snapshot(server), before);
            refused++;
            return;
          }
          assert.equal(run.code, 0, said);
          assert.doesNotMatch(said, /rolling back/);
          // A replica (fix asks for --replication first) may have nothing to apply, and so nothing to roll back.
          if (!existsSync(join(dir, 'rb.json'))) return;
          applied++;
          const back = await runCli(['fix', '--rollback', 'rb.json'], { cwd: dir });
          assert.equal(back.code, 0, back.stdout + back.stderr);
          assert.deepEqual(await snapshot(server), before);
        } finally {
          await server.stop();
        }
      });
    }
  });

  it('applied and rolled back on enough of the corpus to mean something', () => {
    assert.ok(applied >= 12, `${applied} configs applied and rolled back`);
    assert.ok(refused >= 1, `${refused} unhealthy deployments refused`);
  });
});
