import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { loadConfFiles } from '../../src/gather/conf/load-files.ts';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { MAX_DIRECTIVES, MAX_LINE_CHARS, MAX_WORDS } from '../../src/gather/conf/tokenize.ts';
import { MAX_ACL_WORDS, MAX_PERMISSION_SETS } from '../../src/acl/limits.ts';
import { parseError, vfs } from './helpers.ts';

const P = '/etc/redis/redis.conf';

async function loadError(path: string): Promise<ConfigParseError> {
  try {
    await loadConfFiles(path);
  } catch (error) {
    if (error instanceof ConfigParseError) return error;
    throw error;
  }
  assert.fail(`${path} loaded`);
}


/** A cache of loadConfFiles' split files that counts how often each file was split (set). */
function splitCounter(): { splits: Map<string, number>; Counted: new () => Map<string, never> } {
  const splits = new Map<string, number>();
  class Counted extends Map<string, never> {
    override set(key: string, value: never): this {
      splits.set(key, (splits.get(key) ?? 0) + 1);
      return super.set(key, value);
    }
  }
  return { splits, Counted };
}

describe('loadConf: what one configuration may hold', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-conf-bounds-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // 16 MiB of `port 1` lines (2.4 million directives, within the 16 MiB a file may have) held 800 MB for 10 s, and four
  // such includes (64 MiB, within what a configuration may have) 3.8 GB for 129 s, where redis-server reads them all.
  it(`stops at the directive past ${MAX_DIRECTIVES.toLocaleString('en-US')}, naming its file and line`, async () => {
    const big = join(dir, 'big.conf');
    writeFileSync(big, 'port 1\n'.repeat(MAX_DIRECTIVES + 50_000));
    const err = await loadError(big);
    assert.deepEqual([err.path, err.line], [big, MAX_DIRECTIVES + 1]);
    assert.equal(err.reason, `more than ${MAX_DIRECTIVES} directives in one configuration (its files and includes together, \`user\` lines apart): redfort stops there (redis-server would read them all)`);
    // As many as that is read whole; comments and empty lines do not count.
    writeFileSync(big, `# top\n\n${'port 1\n'.repeat(MAX_DIRECTIVES)}\n# end\n`);
    assert.equal((await loadConfFiles(big)).directives.length, MAX_DIRECTIVES);
  });

  // Words of any directive but `user` cost as much: past MAX_WORDS of them, an error at that line.
  it(`stops at the directive whose words pass ${MAX_WORDS.toLocaleString('en-US')}, \`user\` lines apart, naming its file and line`, async () => {
    const top = join(dir, 'words.conf');
    const saves = join(dir, 'saves.conf');
    writeFileSync(top, `port 6379\nuser u0 on nopass ${'+get '.repeat(1000).trimEnd()}\ninclude ${saves}\n`);
    // 2 + 2 words (the user line's apart), then 1 + (MAX_WORDS - 5) on the save line: exactly MAX_WORDS.
    writeFileSync(saves, `save ${'1 '.repeat(MAX_WORDS - 5).trimEnd()}\n`);
    assert.equal((await loadConfFiles(top)).directives.length, 4);
    writeFileSync(saves, `save ${'1 '.repeat(MAX_WORDS - 5).trimEnd()}\nhz 10\n`);
    const err = await loadError(top);
    assert.deepEqual([err.path, err.line], [saves, 2]);
    assert.equal(err.reason, `more than ${MAX_WORDS} words in one configuration (its files and includes together, \`user\` lines apart): redfort stops there (redis-server would read them all)`);
  });

  // A `user` line of 3.3 million rules in each of four includes (16 MiB each) held 2.1 GB for 36 s; past 500,000 words
  // (b57ec64) that was an error, and so was a file redis-server starts with (review R31-2: 6,000 users of 85 words).
  // Now the user lines past MAX_ACL_WORDS words or MAX_PERMISSION_SETS lines are counted, not kept; the rest is read.
  it(`leaves out the user lines past ${MAX_ACL_WORDS.toLocaleString('en-US')} words or ${MAX_PERMISSION_SETS.toLocaleString('en-US')} lines, and reads the rest`, async () => {
    const top = join(dir, 'users-top.conf');
    const users = join(dir, 'users.conf');
    writeFileSync(top, `port 6379\ninclude ${users}\nhz 11\n`);
    // MAX_ACL_WORDS - 4 words on the first three user lines (each within MAX_LINE_CHARS), 5 on the next: one past.
    const third = Math.floor((MAX_ACL_WORDS - 16) / 3);
    const rules = (n: number) => '+get '.repeat(n).trimEnd();
    const first = `user u1 on nopass ${rules(third)}\nuser u1b on nopass ${rules(third)}\nuser u1c on nopass ${rules(MAX_ACL_WORDS - 16 - 2 * third)}\n`;
    writeFileSync(users, `${first}user u2 on nopass +get\n"user" u3 on\nhz 10\n`);
    const parsed = await loadConfFiles(top);
    assert.deepEqual(parsed.directives.map((d) => `${d.name} ${d.args[0]}`), ['port 6379', `include ${users}`, 'user u1', 'user u1b', 'user u1c', 'hz 10', 'hz 11']);
    assert.deepEqual(parsed.usersPast, { path: users, line: 4, reason: `the user lines of the config hold more than 500,000 words of ACL rules (past it at ${users}:4): more than the 500,000 redfort reads on one server, so its users are not judged` });
    const eff = effectiveConfig(parsed, { version: '7.2.6' });
    assert.deepEqual([eff.users, eff.usersUnread, eff.config.get('hz')?.value], [[], parsed.usersPast!.reason, '11']);
    // A user line left out is still read as the server reads it: unbalanced quotes stop it there.
    writeFileSync(users, `${first}user u2 on nopass +get\nuser u3 on ">x\n`);
    const quotes = await loadError(top);
    assert.deepEqual([quotes.path, quotes.line, quotes.reason], [users, 5, 'Unbalanced quotes in configuration line (redis-server refuses to start)']);
    // Lines likewise; a line past the bound is not split (one of 16 MiB held 310 MB to be refused).
    const many = Array.from({ length: MAX_PERMISSION_SETS + 2 }, (_, i) => `user n${i} on nopass +get`);
    writeFileSync(users, `${many.join('\n')}\n`);
    const lines = await loadConfFiles(top);
    assert.equal(lines.directives.filter((d) => d.name === 'user').length, MAX_PERMISSION_SETS);
    assert.deepEqual([lines.usersPast?.path, lines.usersPast?.line], [users, MAX_PERMISSION_SETS + 1]);
    assert.match(lines.usersPast!.reason, /^the user lines of the config hold more than 10,000 users \(past it at \S+users\.conf:10001\): more than the 10,000 permission sets/);
    // With an aclfile, redis-server refuses both: the line named is the first user line, kept or not.
    writeFileSync(top, `aclfile /etc/redis/users.acl\ninclude ${users}\n`);
    writeFileSync(users, `user u1 on nopass ${'+get '.repeat(MAX_ACL_WORDS).trimEnd()}\n`);
    const both = parseError(() => effectiveConfig(loadConf(top), { version: '7.2.6' }));
    assert.deepEqual([both.path, both.line], [users, 1]);
    assert.match(both.reason, /^'user' lines and 'aclfile' .* are both set/);
  });

  // redis-server reads a line of any length (the whole file in one string, split on line feeds), but one 16 MiB line
  // was split into its 8 million words (273 MB) before the words bound refused it, and a quoted one into an array of
  // its characters (620 MB, and read). Past MAX_LINE_CHARS a line is refused before it is split; a user line is left
  // out, as one past the users' bounds.
  it(`refuses a line of more than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters before splitting it; a user line that long is left out`, async () => {
    const long = join(dir, 'long.conf');
    // `requirepass "` and `"`: 14 characters around the value.
    writeFileSync(long, `port 6379\nrequirepass "${'a'.repeat(MAX_LINE_CHARS - 14)}"\n`);
    assert.equal((await loadConfFiles(long)).directives[1]!.args[0]!.length, MAX_LINE_CHARS - 14);
    writeFileSync(long, `port 6379\n  requirepass "${'a'.repeat(MAX_LINE_CHARS - 13)}"  \n# ${'c'.repeat(MAX_LINE_CHARS)}\n`);
    const err = await loadError(long);
    assert.deepEqual([err.path, err.line, err.reason], [long, 2, `a line of ${MAX_LINE_CHARS + 1} characters, more than the ${MAX_LINE_CHARS} redfort reads of one line: redfort stops there (redis-server would read it)`]);
    writeFileSync(long, `port 6379\nuser big on nopass ${'+get '.repeat(MAX_LINE_CHARS / 4).trimEnd()}\nuser small on nopass +get\nhz 12\n`);
    const users = await loadConfFiles(long);
    assert.deepEqual(users.directives.map((d) => d.name), ['port', 'hz']);
    assert.deepEqual(users.usersPast, { path: long, line: 2, reason: `${long}:2 is a line of ${MAX_LINE_CHARS * 1.25 + 18} characters, more than the ${MAX_LINE_CHARS} redfort reads of one line, so the users are not judged` });
    // One 16 MiB line of quoted words, loaded under a 96 MB heap (it ran out of memory, splitting).
    writeFileSync(long, `port 6379\nsave${' "1"'.repeat(4 * 1024 * 1024 - 4)}\n`);
    const code = `import { loadConfFiles } from ${JSON.stringify(new URL('../../src/gather/conf/load-files.ts', import.meta.url).href)}; await loadConfFiles(${JSON.stringify(long)}).catch((e) => process.stdout.write(e.reason));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=96', '--import', 'tsx', '--input-type=module', '-e', code]);
    assert.match(stdout, /^a line of 16777204 characters, more than the 1048576 redfort reads of one line/);
  });

  it('counts the directives of every file, a file each time it is included', () => {
    const files = { [P]: 'hz 1\ninclude a.conf\ninclude a.conf\n', '/etc/redis/a.conf': '# a\nhz 2\nhz 3\n' };
    const fs = vfs(files);
    // 1 + (1 + 2) + (1 + 2) = 7 directives.
    assert.equal(loadConf(P, { ...fs, maxDirectives: 7 }).directives.length, 7);
    const err = parseError(() => loadConf(P, { ...fs, maxDirectives: 6 }));
    assert.deepEqual([err.path, err.line], ['/etc/redis/a.conf', 3]);
    assert.match(err.reason, /^more than 6 directives in one configuration/);
    // The include line is a directive too, counted from the top file's split: a.conf is split with the top file's
    // second include already there, and its second line is past 4.
    const atInclude = parseError(() => loadConf(P, { ...fs, maxDirectives: 4 }));
    assert.deepEqual([atInclude.path, atInclude.line], ['/etc/redis/a.conf', 3]);
    // Words likewise: 2 + 2 + (2 + 2) + 2 + (2 + 2) = 14.
    assert.equal(loadConf(P, { ...fs, maxWords: 14 }).directives.length, 7);
    const words = parseError(() => loadConf(P, { ...fs, maxWords: 13 }));
    assert.deepEqual([words.path, words.line, words.reason.slice(0, 23)], ['/etc/redis/a.conf', 3, 'more than 13 words in o']);
  });

  // A file is split whole before its includes are expanded: each of 32 nested includes could hold one bound's worth
  // of directives (less those expanded before it) before the first was counted. The files split and not yet expanded
  // count too, so the bound holds for the whole include tree at any time.
  it('bounds the directives of the whole include tree, those split and not yet expanded included', () => {
    const files: Record<string, string> = { [P]: `include f1.conf\n${'hz 1\n'.repeat(5)}` };
    for (let i = 1; i < 5; i++) files[`/etc/redis/f${i}.conf`] = `include f${i + 1}.conf\n${'hz 1\n'.repeat(5)}`;
    files['/etc/redis/f5.conf'] = 'hz 1\n'.repeat(5);
    const fs = vfs(files);
    const read: string[] = [];
    const load = (max: number) => loadConf(P, { readFile: (p) => (read.push(p), fs.readFile(p)), glob: fs.glob, maxDirectives: max, maxWords: 2 * max });
    // 6 in the top file, then the first include is split up to its 4th line (10 with the top file's), its 5th past
    // them; the lines before it are read first, as the server would, and the second include's first line is past 10.
    // No file below it is read (they all were, each split whole, and the error was at f4.conf:2).
    const err = parseError(() => load(10));
    assert.deepEqual([err.path, err.line, read], ['/etc/redis/f2.conf', 1, [P, '/etc/redis/f1.conf', '/etc/redis/f2.conf']]);
    assert.match(err.reason, /^more than 10 directives in one configuration/);
    // Words likewise (2 a directive).
    read.length = 0;
    const words = parseError(() => loadConf(P, { readFile: (p) => (read.push(p), fs.readFile(p)), glob: fs.glob, maxWords: 20 }));
    assert.deepEqual([words.path, words.line, read.length], ['/etc/redis/f2.conf', 1, 3]);
    // A tree of exactly the bound is read whole.
    assert.equal(load(35).directives.length, 35);
    assert.equal(parseError(() => load(34)).path, '/etc/redis/f5.conf');
  });

  it('splits a text kept in `parsed` once: a second load takes its directives from there', () => {
    const fs = vfs({ [P]: 'hz 1\ninclude a.conf\n', '/etc/redis/a.conf': 'hz 2\n' });
    const parsed = new Map();
    const first = loadConf(P, { ...fs, parsed });
    const second = loadConf(P, { ...fs, parsed });
    assert.deepEqual([...parsed.keys()], [P, '/etc/redis/a.conf']);
    assert.equal(second.directives.length, 3);
    second.directives.forEach((d, i) => assert.equal(d, first.directives[i], `directive ${i} was split again`));
    // Another text of the same file is split anew.
    const changed = loadConf(P, { readFile: (p) => (p === P ? 'hz 5\n' : fs.readFile(p)), glob: fs.glob, parsed });
    assert.deepEqual(changed.directives.map((d) => d.args[0]), ['5']);
  });

  // loadConfFiles loads again after each file it had to read first: every text before it was split again, so that
  // 16 includes of 1 MiB of `port 1` lines took 60 s and 2.3 GB, and 200 includes of 400 lines 31 s.
  it('loadConfFiles splits each file once however many includes follow it', async () => {
    const top = join(dir, 'seq.conf');
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const file = join(dir, `seq-${i}.conf`);
      writeFileSync(file, 'hz 10\n'.repeat(100));
      lines.push(`include ${file}`);
    }
    writeFileSync(top, `${lines.join('\n')}\n`);
    const { splits, Counted } = splitCounter();
    const parsed = await loadConfFiles(top, { parsed: new Counted() });
    assert.equal(parsed.directives.length, 40 + 40 * 100);
    assert.equal(splits.size, 41);
    assert.deepEqual([...splits].filter(([, n]) => n !== 1), [], 'files split more than once');
  });

  // Which user lines a file keeps depends on those before it: kept with them, still split once per file.
  it('loadConfFiles splits each file once with user lines past their bounds', async () => {
    const top = join(dir, 'useq.conf');
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const file = join(dir, `useq-${i}.conf`);
      writeFileSync(file, `${Array.from({ length: 40 }, (_, k) => `user s${i}_${k} on nopass ~a:* ~b:* +get`).join('\n')}\nhz 10\n`);
      lines.push(`include ${file}`);
    }
    writeFileSync(top, `${lines.join('\n')}\n`);
    const { splits, Counted } = splitCounter();
    // 40 lines of 7 words a file: past 3,000 words at the 29th line of the 11th file (2,800 + 28 x 7 = 2,996).
    const parsed = await loadConfFiles(top, { parsed: new Counted(), maxUserWords: 3000 });
    assert.deepEqual([parsed.usersPast?.path, parsed.usersPast?.line], [join(dir, 'useq-10.conf'), 29]);
    assert.equal(parsed.directives.filter((d) => d.name === 'user').length, 428);
    assert.equal(parsed.directives.filter((d) => d.name === 'hz').length, 30);
    assert.equal(splits.size, 31);
    assert.deepEqual([...splits].filter(([, n]) => n !== 1), [], 'files split more than once');
  });
});
