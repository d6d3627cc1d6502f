import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { MAX_ACL_WORDS, MAX_PERMISSION_SETS } from '../../src/acl/limits.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawPipeline, RespError } from '../harness/raw.ts';
import type { RespValue } from '../harness/raw.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// Each permission set (a user's rules, or a selector) is evaluated over the command table by every rule that reads the
// users. An ACL LIST or ACL file of a few MiB held 60,000 users (or one user with a million selectors): judging them
// took a minute of CPU and a gigabyte, during which 14 of 200 healthy servers of the same fleet run timed out. Beyond
// MAX_PERMISSION_SETS the users are not judged: the rules that need them skip and say why; the others are judged.
const work = mkdtempSync(join(tmpdir(), 'redfort-acl-limits-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const many = MAX_PERMISSION_SETS + 1;

function assertNotJudged(result: TargetResult, what: RegExp): void {
  assert.equal(result.error, undefined);
  const status = (id: string) => result.results.filter((r) => r.ruleId === id).map((r) => `${r.status}: ${r.message}`).join('\n');
  for (const id of ['auth.dangerous-commands-allowed', 'auth.weak-password', 'auth.default-user-enabled', 'commands.dangerous-not-renamed']) {
    assert.match(status(id), new RegExp(`^skip: ${what.source}.*: more than .* so its users are not judged`), id);
  }
  assert.match(status('logging.loglevel-too-quiet'), /^pass: /, 'the rules that need no user are judged');
}

describe('an ACL too large to judge', () => {
  it(`a live server with ${many} users: its users are not judged`, async () => {
    const server = await startRedis({ killOnStop: true });
    const commands = Array.from({ length: many }, (_, i) => ['ACL', 'SETUSER', `u${i}`, 'on', `>p${i}`, `~k${i}:*`, '+@all']);
    for (let i = 0; i < commands.length; i += 2000) await rawPipeline(server.host, server.port, commands.slice(i, i + 2000));
    const result = await auditTarget(resolveTarget(server.url, {}, {}), { commandTimeoutMs: 10_000, noHost: true, noProbe: true });
    // Counted with ACL USERS before ACL LIST is asked (QA44-5): on Redis 7.0 past 500 users, not rendered at all.
    assertNotJudged(result, /ACL USERS holds 10,002 users(?=: more than the 500 whose ACL LIST)/);
    await server.stop();
  });

  it('an ACL file of more users, or of one user with more selectors', async () => {
    const users = join(work, 'users.acl');
    writeFileSync(users, ['user default off', ...Array.from({ length: many }, (_, i) => `user u${i} on >p${i}password ~k${i}:* +@all`)].join('\n') + '\n');
    const selectors = join(work, 'selectors.acl');
    writeFileSync(selectors, `user default off\nuser big on nopass ${'(+get ~x) '.repeat(many)}\n`);
    for (const [path, what] of [[users, /the ACL file \S+users\.acl holds 10,002 users/], [selectors, /the ACL file \S+selectors\.acl holds 2 users with 10,001 selectors/]] as const) {
      const conf = join(work, 'redis.conf');
      writeFileSync(conf, `aclfile ${path}\nloglevel notice\n`);
      assertNotJudged(await auditFiles({ configPath: conf, version: '7.2.4' }), what);
    }
    // The CLI's file-only audit warns of it; the hint for an unreadable file ("give the file with --acl FILE") changed
    // nothing here (QA44-5): with --acl the users are past the bound all the same.
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, `aclfile ${users}\nloglevel notice\n`);
    const { warnings } = await auditFiles({ configPath: conf, version: '7.2.4', offline: true });
    const warning = warnings?.find((w) => /holds 10,002 users/.test(w));
    assert.match(warning ?? '', /redis\.conf:1: the ACL file \S+users\.acl holds 10,002 users: more than the 10,000 permission sets .* the users it defines are not judged \(every auth\.\* rule about them is a skip\)$/, String(warnings));
  });

  // Users and selectors were counted once parsed: a hostile server's ACL LIST of one user with 1,300,000 selectors (13 MB,
  // within the 16 MiB an audit's replies may take) held 611 MB for that one audit, and an ACL file of one user with 3
  // million rules 860 MB, where README promises about 190 MB for a server answering as much as it may. The words are
  // counted before anything is parsed.
  it(`a server whose ACL LIST, or an ACL file, holds more than ${MAX_ACL_WORDS.toLocaleString('en-US')} words: not read`, async () => {
    const selectors = Math.ceil(MAX_ACL_WORDS / 2);
    const lines = [`user big on nopass ${'(+get ~x) '.repeat(selectors).trimEnd()}`, 'user default on nopass ~* &* +@all'];
    const server = await startRedis({ killOnStop: true });
    const proxy = await forwardingProxy(server, {
      local: (argv) => (argv.map((a) => a.toUpperCase()).join(' ') === 'ACL LIST' ? `*2\r\n${lines.map((l) => `$${l.length}\r\n${l}\r\n`).join('')}` : undefined),
    });
    try {
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { commandTimeoutMs: 10_000, noHost: true, noProbe: true });
      assertNotJudged(result, new RegExp(`ACL LIST holds ${(selectors * 2 + 4 + 7).toLocaleString('en-US')} words of ACL rules(?=: more than the 500,000)`));
    } finally {
      await proxy.close();
      await server.stop();
    }
    const rules = join(work, 'rules.acl');
    writeFileSync(rules, `user default off\nuser big on nopass ~* ${'+get '.repeat(MAX_ACL_WORDS).trimEnd()}\n`);
    const conf = join(work, 'rules.conf');
    writeFileSync(conf, `aclfile ${rules}\nloglevel notice\n`);
    assertNotJudged(await auditFiles({ configPath: conf, version: '7.2.4' }), /the ACL file \S+rules\.acl holds 500,009 words of ACL rules/);
  });

  // Review R31-2: a config file's user lines past 500,000 words were an error (exit 2, no report), where the same users in
  // an ACL file skip, and redis-server starts with them (live 7.2.6 and 7.0.15: 6,000 users of 85 words, 6.3 MB). Past
  // the bound the user lines are counted, not kept: the users are not judged, the rest of the file is.
  it(`a config file whose user lines hold more than ${MAX_ACL_WORDS.toLocaleString('en-US')} words, or ${MAX_PERMISSION_SETS.toLocaleString('en-US')} users: a real server starts, its users are not judged`, async () => {
    const rules = `${Array.from({ length: 80 }, (_, j) => `~tenant${j}:*`).join(' ')} +@read +@write -@dangerous`;
    const wordy = Array.from({ length: 6000 }, (_, i) => `user u${i} on #${'a'.repeat(64)} ${rules}`);
    const numerous = Array.from({ length: many }, (_, i) => `user n${i} on nopass ~k${i}:* +get`);
    for (const [lines, what] of [
      [wordy, /the user lines of the config hold more than 500,000 words of ACL rules \(past it at \S+users\.conf:5750\)/],
      [numerous, /the user lines of the config hold more than 10,000 users \(past it at \S+users\.conf:10003\)/],
    ] as const) {
      const text = `port 6390\nloglevel notice\n${lines.join('\n')}\nuser default on nopass ~* &* +@all\n`;
      const server = await startRedis({ confText: (port) => text.replace('port 6390', `port ${port}`), killOnStop: true });
      const [count] = await rawPipeline(server.host, server.port, [['ACL', 'USERS']]);
      assert.equal((count as string[]).length, lines.length + 1, 'the server loaded every user');
      await server.stop();
      const conf = join(work, 'users.conf');
      writeFileSync(conf, text);
      assertNotJudged(await auditFiles({ configPath: conf, version: '7.0.15' }), what);
    }
  });

  // The file's lines were counted as its users before it was parsed: two users after 20,000 blank lines were "20,003
  // users", not judged. A real 7.0.15 loads the file, with its two users.
  it('an ACL file of two users and many blank lines: its users are judged', async () => {
    const path = join(work, 'blank.acl');
    writeFileSync(path, `user default off\n${'\n \t\r\n'.repeat(many)}user alice on >alice-password-0123456789 ~* +@all\n`);
    const server = await startRedis({ conf: `aclfile ${path}`, killOnStop: true });
    const [list] = await rawPipeline(server.host, server.port, [['AUTH', 'alice', 'alice-password-0123456789'], ['ACL', 'LIST']]).then((r) => r.slice(1));
    assert.equal((list as string[]).length, 2);
    await server.stop();
    const conf = join(work, 'blank.conf');
    writeFileSync(conf, `aclfile ${path}\nloglevel notice\n`);
    const result = await auditFiles({ configPath: conf, version: '7.0.15' });
    const dangerous = result.results.filter((r) => r.ruleId === 'auth.dangerous-commands-allowed');
    assert.ok(dangerous.some((r) => r.status === 'fail' && /alice/.test(r.message)), dangerous.map((r) => `${r.status}: ${r.message}`).join('\n'));
  });

  // The users are evaluated over the commands the server's ACL CAT lists: a hostile server (here a real one behind a
  // proxy that adds 20,000 made-up names to each category) made each user 1,500 times dearer, and 9,000 users ran past
  // five minutes. The budget is permission sets times commands.
  it('a server whose ACL CAT lists made-up commands by the thousand: its users are not judged', async () => {
    const server = await startRedis({ killOnStop: true });
    await rawPipeline(server.host, server.port, Array.from({ length: 40 }, (_, i) => ['ACL', 'SETUSER', `u${i}`, 'on', `>p${i}`, '~*', '+@read']));
    const encode = (v: RespValue): string =>
      v === null ? '$-1\r\n' : v instanceof RespError ? `-${v.message}\r\n` : typeof v === 'number' ? `:${v}\r\n` : Array.isArray(v) ? `*${v.length}\r\n${v.map(encode).join('')}` : `$${Buffer.byteLength(v)}\r\n${v}\r\n`;
    const proxy = await startFakeServer(async (argv) => {
      if (argv[0]!.toUpperCase() === 'HELLO') return '-ERR unknown command\r\n';
      const [reply] = await rawPipeline(server.host, server.port, [argv]);
      if (argv[0]!.toUpperCase() === 'ACL' && argv[1]?.toUpperCase() === 'CAT' && argv[2] && Array.isArray(reply)) {
        return encode([...reply, ...Array.from({ length: 20_000 }, (_, i) => `made-up-${argv[2]}-${i}`)]);
      }
      return encode(reply ?? null);
    });
    try {
      const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { commandTimeoutMs: 10_000, noHost: true, noProbe: true });
      assertNotJudged(result, /the server lists [\d,]+ commands in its categories \(ACL CAT\), and its users hold 41 permission sets/);
    } finally {
      await proxy.close();
      await server.stop();
    }
  });
});
