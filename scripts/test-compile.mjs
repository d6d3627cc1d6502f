// Compiles every .ts under src/ and test/ to JavaScript, file for file (not bundled), into the tests' cache
// (scripts/test-cache.mjs), which scripts/test-loader.mjs serves in place of the .ts files: the hundreds of test
// processes of `npm test` then do not each compile the sources again through tsx. The options are tsx's, so a file
// runs the same either way; one changed after this ran is not in the cache and runs through tsx.
//
//   node scripts/test-compile.mjs     (scripts/test.sh runs it before the tests)
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cacheDir, compiledName, ROOT } from './test-cache.mjs';

const DIRS = ['src', 'test'];
const started = process.hrtime.bigint();
const files = DIRS.flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
  .map((entry) => relative(ROOT, join(entry.parentPath ?? entry.path, entry.name))));
const contents = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));
const result = await build({
  absWorkingDir: ROOT,
  // What was read above is what is compiled (and named): a file that changes meanwhile runs through tsx.
  entryPoints: files,
  plugins: [{
    name: 'as-read',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: contents.get(relative(ROOT, args.path)), loader: 'ts' }));
    },
  }],
  outdir: '/',
  outbase: ROOT,
  bundle: false,
  write: false,
  platform: 'node',
  format: 'esm',
  // As tsx compiles them (node_modules/tsx: target, sourcemap, minifyWhitespace, keepNames).
  target: `node${process.versions.node}`,
  sourcemap: 'external',
  sourcesContent: false,
  minifyWhitespace: true,
  keepNames: true,
  logLevel: 'warning',
});
const out = cacheDir();
mkdirSync(out, { recursive: true });
const maps = new Map(result.outputFiles.filter((file) => file.path.endsWith('.map')).map((file) => [file.path.slice(0, -4), file.text]));
const written = new Set();
for (const file of result.outputFiles) {
  if (file.path.endsWith('.map')) continue;
  const path = file.path.slice(1).replace(/\.js$/, '.ts');
  const content = contents.get(path);
  if (content === undefined) throw new Error(`esbuild wrote ${file.path}, not the output of a file it was given`);
  // The module runs at its .ts URL, so the map names the .ts itself.
  const map = JSON.parse(maps.get(file.path));
  map.sources = [path.slice(path.lastIndexOf('/') + 1)];
  const text = `${file.text.replace(/\/\/# sourceMappingURL=\S*\n?$/, '')}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  const name = compiledName(path, content);
  const tmp = join(out, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(out, name));
  written.add(name);
}
// What older sources left.
for (const name of readdirSync(out)) if (!written.has(name)) rmSync(join(out, name), { force: true });
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`compiled ${written.size} files of ${DIRS.map((dir) => `${dir}/`).join(' and ')} in ${Math.round(ms)} ms, into ${relative(ROOT, out)}`);
