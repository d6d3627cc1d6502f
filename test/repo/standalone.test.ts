import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// A user's clone has nothing beside it: every file the project reads or links is inside the repository.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TREES = ['src', 'test', 'bench', 'scripts', 'docs', 'examples', '.ci'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'corpus']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      if (!SKIP_DIRS.has(name)) walk(path, out);
    } else if (st.isFile()) out.push(path);
  }
  return out;
}

const files = [join(ROOT, 'README.md'), ...TREES.filter((t) => existsSync(join(ROOT, t))).flatMap((t) => walk(join(ROOT, t)))];
const textFiles = files.filter((f) => /\.(ts|mjs|js|json|md|sh|ya?ml|txt|tsv|conf)$|\/\.ci\/run$/.test(f));

describe('the repository stands alone', () => {
  it('no file reads or links the reference folder beside the clone', () => {
    // Built from parts so that this file does not name it itself.
    const outside = ['..', 'shared'].join('/');
    const offenders = textFiles.filter((f) => readFileSync(f, 'utf8').includes(outside)).map((f) => relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('every relative link of the Markdown files resolves inside the repository', () => {
    const markdown = [...textFiles.filter((f) => f.endsWith('.md')), join(ROOT, 'test/fixtures/corpus/README.md')];
    let checked = 0;
    const broken: string[] = [];
    for (const file of markdown) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const path = resolve(dirname(file), decodeURIComponent(target.split('#')[0]!));
        checked++;
        if (relative(ROOT, path).startsWith('..') || !existsSync(path)) broken.push(`${relative(ROOT, file)}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked > 50, `only ${checked} links checked`);
  });

  it('the fixtures the tests read are in the repository, with where they come from', () => {
    const manifest = readFileSync(join(ROOT, 'test/fixtures/corpus/MANIFEST.tsv'), 'utf8').trim().split('\n');
    const header = manifest[0]!.split('\t');
    assert.deepEqual(header.slice(0, 7), ['file', 'repo', 'commit_or_tag', 'path', 'kind', 'license_if_known', 'notes']);
    for (const row of manifest.slice(1)) {
      const [file, repo, , , , licence] = row.split('\t');
      assert.ok(existsSync(join(ROOT, 'test/fixtures/corpus', file!)), `${file} is listed and present`);
      assert.ok(repo && licence, `${file} names its repository and licence`);
      assert.notEqual(licence, 'none stated', `${file}: a file without a licence is not redistributed`);
    }
    assert.ok(existsSync(join(ROOT, 'docs/checklist.md')));
    assert.ok(existsSync(join(ROOT, 'docs/catalogue.md')));
  });

  it('holds no file a redfort run writes with secrets in it (generated passwords, rollback records)', () => {
    // A manual `redfort fix` in the clone wrote redfort-secrets.env, and it was committed: every `fix` run from a
    // checkout then reused its published passwords. The tracked files, as git lists them; on a checkout without git,
    // the files there (a clean checkout holds only tracked ones).
    const listed = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    const tracked = listed.status === 0 ? listed.stdout.split('\0').filter(Boolean) : walk(ROOT).map((f) => relative(ROOT, f));
    assert.ok(tracked.some((f) => f === 'package.json'), 'the listing holds the repository\'s files');
    const secret = /(^|\/)(redfort-secrets\.env|redfort-rollback\.json)(\.[^/]*)?$|(^|\/)[^/]*\.secrets\.env$/;
    assert.deepEqual(tracked.filter((f) => secret.test(f)), []);
  });
});
