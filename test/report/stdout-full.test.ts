import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { oneServerFleet, runRedirected } from './cli-run.ts';

// `redfort audit … > /dev/full` (a full disk, a quota, a broken NFS mount) printed an uncaught
// `Error: ENOSPC: no space left on device, write`, the minified line of dist/cli-main.cjs and node's stack, and
// exited 1, which reads as "findings". Every command that writes standard output now says it in one line, in the
// words of `-o FORMAT=FILE`, and exits 2; a reader that goes away (EPIPE) stays quiet (stdout-pipe.test.ts).
describe('standard output that cannot be written (> /dev/full)', { concurrency: 2 }, () => {
  const fleet = oneServerFleet('redfort-full-');

  /** Runs redfort with its standard output on /dev/full: its stderr and exit code. */
  async function full(args: readonly string[]): Promise<{ stderr: string; code: number }> {
    const stdout = await runRedirected(args, fleet.dir, '>/dev/full');
    const match = /^ (\d+)\n([\s\S]*)$/.exec(stdout);
    assert.ok(match, stdout);
    return { code: Number(match[1]), stderr: match[2]! };
  }

  const LINE = 'redfort: cannot write to standard output: no space left on the device\n';

  for (const args of [['--version'], ['rules'], ['explain', 'tls.disabled'], ['rules', '--help']]) {
    it(`redfort ${args.join(' ')}: one line, exit 2`, async () => {
      assert.deepEqual(await full(args), { code: 2, stderr: LINE });
    });
  }

  for (const [name, extra] of [
    ['text', []],
    ['--format json', ['--format', 'json']],
  ] as const) {
    it(`audit of one target, ${name}: one line, exit 2 (not 1, the exit of findings)`, async () => {
      assert.deepEqual(await full(['audit', `redis://127.0.0.1:${fleet.server.port}`, '--no-host', ...extra]), { code: 2, stderr: LINE });
    });
  }

  // Run in a scratch directory: fix writes its redfort-secrets.env where it runs.
  it('fix --plan: one line, exit 2', async () => {
    assert.deepEqual(await full(['fix', `redis://127.0.0.1:${fleet.server.port}`, '--plan']), { code: 2, stderr: LINE });
  });

  it('a fleet: one line, exit 2', async () => {
    assert.deepEqual(await full(['audit', '--targets', fleet.inventory, '--no-host']), { code: 2, stderr: LINE });
  });

  it('a fleet, -o sarif=-: the -o error in words, not an errno code', async () => {
    assert.deepEqual(await full(['audit', '--targets', fleet.inventory, '--no-host', '-o', 'sarif=-']), {
      code: 2,
      stderr: "redfort: cannot write the sarif report to '/dev/stdout': no space left on the device\n",
    });
  });
});
