import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RuleResult } from '../../src/engine/run.ts';
import { audit } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// logging.no-logfile fails when the log is discarded. Redis opens `logfile /dev/null` like any file and keeps
// nothing; in the foreground with logfile '' it writes to standard output, discarded when that is /dev/null. Both
// passed ("logfile is '/dev/null'"; "logs go to standard output, kept by the supervisor") while logging.no-rotation
// said of the second that the log is discarded.
function noLogfile(results: readonly RuleResult[]): RuleResult {
  const found = results.filter((r) => r.ruleId === 'logging.no-logfile');
  assert.equal(found.length, 1);
  return found[0]!;
}

describe('logging.no-logfile: a log that goes to /dev/null is not kept', () => {
  after(stopAll);

  it('logfile /dev/null fails', async () => {
    const server = await startRedis({ conf: 'logfile /dev/null', killOnStop: true });
    assert.match(String(await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'logfile'])), /\/dev\/null/);
    const r = noLogfile((await audit(server.url, {}, { noProbe: true, noHost: true })).results);
    assert.equal(r.status, 'fail', r.message);
    assert.equal(r.severity, 'medium');
    assert.match(r.message, /^logfile is '\/dev\/null': the server writes its log to \/dev\/null$/);

    // On its host /dev/null is no log file: its mode (0666 root:root) was failed as one, and its rotation asked for.
    const { results } = await audit(server.url, {}, { noProbe: true });
    const files = results.filter((x) => x.ruleId === 'host.data-file-permissions');
    assert.ok(files.length > 0);
    for (const x of files) assert.doesNotMatch(`${x.message} ${x.evidence.join(' ')}`, /\/dev\/null \(log file\)/, x.message);
    const [rotation] = results.filter((x) => x.ruleId === 'logging.no-rotation');
    assert.equal(rotation!.status, 'skip', rotation!.message);
    assert.match(rotation!.message, /^logfile is '\/dev\/null': the log is discarded, nothing to rotate/);
  });

  it("daemonize no and logfile '' with standard output on /dev/null fails; on a file it passes", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redfort-stdout-null-'));
    // stdio 'ignore' is /dev/null: `redis-server … > /dev/null`, or systemd StandardOutput=null.
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--logfile', '', '--daemonize', 'no'], { stdio: 'ignore' });
    try {
      await eventually('redis-server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING']).catch(() => undefined)) === 'PONG');
      const r = noLogfile((await audit(`redis://127.0.0.1:${port}`, {}, { noProbe: true })).results);
      assert.equal(r.status, 'fail', r.message);
      assert.match(r.message, /^logfile is '': daemonize is 'no' and standard output is \/dev\/null: the server's log is discarded$/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    // The harness sends standard output to a file: kept.
    const kept = await startRedis({ conf: 'logfile ""', killOnStop: true });
    const r = noLogfile((await audit(kept.url, {}, { noProbe: true })).results);
    assert.equal(r.status, 'pass', r.message);
  });
});
