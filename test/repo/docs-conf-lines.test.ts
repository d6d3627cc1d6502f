import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// The redis.conf lines the docs give are pasted as written: redis.conf has no inline comments (a '#' after a
// directive is read as more arguments, and redis-server refuses `save 3600 1  # RDB` or `bind 127.0.0.1  # local`),
// so a comment of a ```conf block sits on its own line (QA38-11). `#…` stands for an elided password hash in `user`
// lines and is not a comment.
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
}

/** Directive lines of ```conf blocks that carry a comment after the directive, as `file:line`. */
function inlineComments(file: string, text: string): string[] {
  const found: string[] = [];
  let inBlock = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) {
      inBlock = !inBlock && line.trim() === '```conf';
      return;
    }
    if (inBlock && !line.trimStart().startsWith('#') && /\s#(\s|$)/.test(line)) found.push(`${file}:${i + 1}`);
  });
  return found;
}

describe('redis.conf lines in the docs', () => {
  it('finds a comment after a directive, and not a hash placeholder or a comment line', () => {
    const text = '```conf\n# a comment\nuser app on #… ~* +@all\nsave 60 1   # RDB\n```\n```sh\nls # fine\n```\n';
    assert.deepEqual(inlineComments('x.md', text), ['x.md:4']);
  });

  it('have no comment after a directive in any ```conf block of the README or docs/', () => {
    const files = [join(REPO_ROOT, 'README.md'), ...markdownFiles(join(REPO_ROOT, 'docs'))];
    assert.ok(files.length > 50);
    assert.deepEqual(files.flatMap((f) => inlineComments(f.slice(REPO_ROOT.length + 1), readFileSync(f, 'utf8'))), []);
  });
});
