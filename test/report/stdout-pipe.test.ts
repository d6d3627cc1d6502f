import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneServerFleet, ROOT, runRedirected } from './cli-run.ts';

// `redfort audit … -o sarif=- | head -c 10` stopped with "cannot write the sarif report to '/dev/stdout': EPIPE" and
// exit 2, where `--format sarif | head -c 10` ended quietly with the exit code of its findings. A reader that goes away
// is no error of the audit for any output to standard output: one target or a fleet, --format or -o FORMAT=-.
describe('a reader of standard output that goes away (… | head -c 10)', { concurrency: 2 }, () => {
  // No password: findings at high and above, so exit 1 by findings (the default --fail-on high).
  const fleet = oneServerFleet('redfort-pipe-');

  /** Runs redfort into `head -c 10` (its report, 80 KB to 300 KB, is more than a pipe holds): its stderr and exit code. */
  async function piped(args: readonly string[]): Promise<{ stderr: string; code: number; head: string }> {
    const stdout = await runRedirected(args, fleet.dir, '| head -c 10');
    const match = /^([\s\S]{0,10}) (\d+)\n([\s\S]*)$/.exec(stdout);
    assert.ok(match, stdout);
    return { head: match[1]!, code: Number(match[2]), stderr: match[3]! };
  }

  for (const [name, args] of [
    ['-o sarif=-', ['-o', 'sarif=-']],
    ['-o html=-', ['-o', 'html=-']],
    ['--format sarif', ['--format', 'sarif']],
  ] as const) {
    it(`one target, ${name}: ends quietly with the exit code of its findings`, async () => {
      const result = await piped(['audit', `redis://127.0.0.1:${fleet.server.port}`, '--no-host', ...args]);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 1, 'exit 1: findings at high and above');
      assert.ok(result.head.length > 0);
    });
  }

  it('a fleet, -o sarif=-: ends quietly with the exit code of its findings', async () => {
    const result = await piped(['audit', '--targets', fleet.inventory, '--no-host', '-o', 'sarif=-']);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 1);
  });

  // QA42-10: with --format jsonl the exit code was set only after the last target, so a reader that went away while
  // the run streamed (`| head -1`, a consumer that dies) ended it with exit 0 and no word, whatever it had found.
  it('a fleet, --format jsonl, the reader gone mid-run: never exit 0, and says how far it got', async () => {
    const { createServer } = await import('node:net');
    // A target that accepts and never answers: the run is still going when the live server's line meets the closed pipe.
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const { writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const inv = join(fleet.dir, 'cut.txt');
      await writeFile(inv, `redis://127.0.0.1:${fleet.server.port}\nredis://127.0.0.1:${port}\n`);
      const out = await runRedirected(['audit', '--targets', inv, '--no-host', '--format', 'jsonl', '--target-timeout', '8000'], fleet.dir, '| true');
      const match = /^ (\d+)\n([\s\S]*)$/.exec(out);
      assert.ok(match, out);
      assert.equal(Number(match[1]), 2, `exit 2, not ${match[1]}: the run was cut short; stderr: ${match[2]}`);
      assert.match(match[2]!, /standard output closed after 1 of 2 entries/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  // QA36-7: a standard error whose reader went away made Node exit 1 (findings) for a target not audited (exit 2).
  it('a standard error that goes away (2>&1 >/dev/null | head -0): the run keeps its exit code', async () => {
    const { execFile } = await import('node:child_process');
    const { freePort } = await import('../harness/servers.ts');
    const port = await freePort();
    const script = `node '${ROOT}bin/redfort.mjs' audit redis://127.0.0.1:${port} --no-host --fail-on none 2>&1 >/dev/null | head -c 0; echo "\${PIPESTATUS[0]}"`;
    const out = await new Promise<string>((resolve, reject) => execFile('bash', ['-c', script], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
    assert.equal(out.trim(), '2');
  });
});
