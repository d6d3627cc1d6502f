import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The pipeline runs one way: gatherers and rules fill and judge Facts, the engine runs rules and triages,
// reporters render, app/ orchestrates, cli/ prints. An import against that direction fails here.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Layer of a file: its first directory under src/ (`gather`, `rules`, ...), or its name for files at the top. */
function layerOf(path: string): string {
  const [first = '', ...rest] = relative(SRC, path).split('/');
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every relative import of a file, value or type, static or dynamic, resolved to a path. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specs.map((spec) => resolve(dirname(path), spec));
}

/** from-layer, forbidden to-layers, why. */
const FORBIDDEN: readonly (readonly [string, readonly string[], string])[] = [
  ['rules', ['gather', 'app', 'report', 'settings', 'engine'], 'rules are pure functions of Facts: no gatherer, no orchestration'],
  ['report', ['settings', 'gather', 'app'], 'reporters are pure functions of the result'],
  ['engine', ['gather', 'report', 'app', 'settings'], 'the engine judges facts and triages results; it neither gathers nor renders'],
  ['facts', ['*'], 'facts/ holds the types every layer shares: it imports nothing'],
  ['app', ['cli'], 'app/ is what the CLI and the library share: no terminal in it'],
  ['*', ['cli'], 'only the CLI uses the CLI'],
];

/** Known edges against the direction, each to be cut: none left. */
const KNOWN: ReadonlySet<string> = new Set<string>([]);

/** Uses of the process's streams and exit, outside strings such as `host.process.stdout` (a fact). */
const TERMINAL = /(?<![.\w])process\.(stdout|stdin|exit|exitCode)\b/;

describe('import boundaries', () => {
  const files = sources(SRC);
  const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to, a: layerOf(from), b: layerOf(to) })));

  it('sees the source tree', () => {
    assert.ok(files.length > 100, `only ${files.length} files under ${SRC}`);
    assert.ok(edges.some((e) => e.a === 'rules' && e.b === 'facts'), 'no rules -> facts import found: the import scan is broken');
  });

  for (const [from, to, why] of FORBIDDEN) {
    it(`${from} -> ${to.join('|')}: ${why}`, () => {
      const bad = edges.filter(
        (e) => e.a !== e.b && (from === '*' || e.a === from) && (to.includes('*') || to.includes(e.b)) && !(from === '*' && e.a === 'cli'),
      );
      assert.deepEqual(bad.map((e) => `${relative(SRC, e.from)} -> ${relative(SRC, e.to)}`).filter((edge) => !KNOWN.has(edge)), []);
    });
  }
});

describe('the terminal belongs to the CLI', () => {
  const files = sources(SRC);
  /** A file's code without its comments (a comment may say "the server process."). */
  const code = (path: string) => readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

  it('only cli/ writes to stdout, reads stdin or ends the process', () => {
    const bad = files.filter((f) => layerOf(f) !== 'cli' && TERMINAL.test(code(f))).map((f) => relative(SRC, f));
    assert.deepEqual(bad, []);
  });

  it('app/ (the core the CLI and the library share), the engine, rules, reporters and facts read nothing of the process (no env, cwd or streams)', () => {
    const pure = ['app', 'engine', 'rules', 'report', 'facts'];
    const bad = files.filter((f) => pure.includes(layerOf(f)) && /(?<![.\w])process\./.test(code(f))).map((f) => relative(SRC, f));
    assert.deepEqual(bad, []);
  });
});
