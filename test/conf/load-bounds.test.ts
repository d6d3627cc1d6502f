import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfFiles } from '../../src/gather/conf/load-files.ts';
import { ConfigParseError, loadConf } from '../../src/gather/conf/redis-conf.ts';
import { MAX_DIRECTIVES, MAX_WORDS } from '../../src/gather/conf/tokenize.ts';
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
    assert.equal(err.reason, `more than ${MAX_DIRECTIVES} directives in one configuration (its files and includes together): redfort stops there (redis-server would read them all)`);
    // As many as that is read whole; comments and empty lines do not count.
    writeFileSync(big, `# top\n\n${'port 1\n'.repeat(MAX_DIRECTIVES)}\n# end\n`);
    assert.equal((await loadConfFiles(big)).directives.length, MAX_DIRECTIVES);
  });

  // A `user` line of 3.3 million rules in each of four includes (16 MiB each) held 2.1 GB for 36 s.
  it(`stops at the directive whose words pass ${MAX_WORDS.toLocaleString('en-US')}, naming its file and line`, async () => {
    const top = join(dir, 'words.conf');
    const users = join(dir, 'users.conf');
    writeFileSync(top, `port 6379\ninclude ${users}\n`);
    // 2 + 2 words, then 4 + (MAX_WORDS - 8) on the user line: exactly MAX_WORDS.
    writeFileSync(users, `user u1 on nopass ${'+get '.repeat(MAX_WORDS - 8).trimEnd()}\n`);
    assert.equal((await loadConfFiles(top)).directives.length, 3);
    writeFileSync(users, `user u1 on nopass ${'+get '.repeat(MAX_WORDS - 8).trimEnd()}\nhz 10\n`);
    const err = await loadError(top);
    assert.deepEqual([err.path, err.line], [users, 2]);
    assert.equal(err.reason, `more than ${MAX_WORDS} words in one configuration (its files and includes together): redfort stops there (redis-server would read them all)`);
  });

  it('counts the directives of every file, a file each time it is included', () => {
    const files = { [P]: 'hz 1\ninclude a.conf\ninclude a.conf\n', '/etc/redis/a.conf': '# a\nhz 2\nhz 3\n' };
    const fs = vfs(files);
    // 1 + (1 + 2) + (1 + 2) = 7 directives.
    assert.equal(loadConf(P, { ...fs, maxDirectives: 7 }).directives.length, 7);
    const err = parseError(() => loadConf(P, { ...fs, maxDirectives: 6 }));
    assert.deepEqual([err.path, err.line], ['/etc/redis/a.conf', 3]);
    assert.match(err.reason, /^more than 6 directives in one configuration/);
    // The include line is a directive too.
    const atInclude = parseError(() => loadConf(P, { ...fs, maxDirectives: 4 }));
    assert.deepEqual([atInclude.path, atInclude.line], [P, 3]);
    // Words likewise: 2 + 2 + (2 + 2) + 2 + (2 + 2) = 14.
    assert.equal(loadConf(P, { ...fs, maxWords: 14 }).directives.length, 7);
    const words = parseError(() => loadConf(P, { ...fs, maxWords: 13 }));
    assert.deepEqual([words.path, words.line, words.reason.slice(0, 23)], ['/etc/redis/a.conf', 3, 'more than 13 words in o']);
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
    const splits = new Map<string, number>();
    class Counted extends Map<string, never> {
      override set(key: string, value: never): this {
        splits.set(key, (splits.get(key) ?? 0) + 1);
        return super.set(key, value);
      }
    }
    const parsed = await loadConfFiles(top, { parsed: new Counted() });
    assert.equal(parsed.directives.length, 40 + 40 * 100);
    assert.equal(splits.size, 41);
    assert.deepEqual([...splits].filter(([, n]) => n !== 1), [], 'files split more than once');
  });
});
