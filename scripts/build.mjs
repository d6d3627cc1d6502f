// Bundles the CLI and the library into single ESM files so the CLI starts fast, and emits the library's type
// declarations.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  // CommonJS dependencies call require(); an ESM bundle has none unless we make one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'warning',
};

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
// The same text as src/cli/bundle.ts's (test/cli-bundle.test.ts checks the built bundle starts and ends with it).
const BUNDLE_WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const BUNDLE_WRAPPER_TAIL = '\n})';

// The version is inlined (no package.json read at start). The CLI is a small CommonJS entry (dist/cli.cjs, from
// src/cli/start.ts: `--version` answers there) and one CommonJS bundle of the rest (dist/cli-main.cjs) with the V8
// code cache made for it here (dist/cli-main.cache; src/cli/bundle.ts): Node 20 caches no compiled ES module code,
// and a cold start spent about a third of its time parsing and compiling. The command, bin/redfort.cjs, is CommonJS
// too: a run starts no ES module loader. What a run does not use (the reporters, yaml, deployments, fix, harden,
// the exporter) is still evaluated only when asked for (see README, Performance).
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const { dataset } = JSON.parse(readFileSync('data/advisories-index.json', 'utf8'));
const define = { __REDFORT_VERSION__: JSON.stringify(version), __REDFORT_ADVISORIES__: JSON.stringify({ compiled: dataset.compiled, updated: dataset.updated }) };
// A fresh clone has no dist/ yet (npm install runs this as `prepare`).
mkdirSync('dist', { recursive: true });
// What earlier builds made and this one does not: the ES module entry and its chunk.
for (const file of readdirSync('dist', { withFileTypes: true })) {
  if (file.isFile() && /^(chunk-[A-Z0-9]+|cli)\.mjs(\.map)?$/.test(file.name)) rmSync(`dist/${file.name}`);
}
// CommonJS has `require` and no `import.meta`: the bundle's URL for the modules that ask (package-root.ts, builtin.ts).
const commonJs = {
  ...common,
  format: 'cjs',
  define: { ...define, 'import.meta.url': '__redfort_url' },
  banner: { js: "var __redfort_url=require('url').pathToFileURL(__filename).href;" },
};
await build({ ...commonJs, entryPoints: ['src/cli/start.ts'], outfile: 'dist/cli.cjs' });
// A fleet's audit worker thread (src/app/pool.ts): the same bundle and code cache as the CLI's main thread.
await build({ ...commonJs, entryPoints: ['src/cli/worker.ts'], outfile: 'dist/cli-worker.cjs' });
// Commander requires node:child_process (with dgram, which it loads) at the top of its Command class, for
// executable subcommands, which the CLI has none of: the module is loaded when commander spawns, not at every start.
const lazyCommanderSpawn = {
  name: 'lazy-commander-spawn',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`${args.path}: no '${eager}' to make lazy (commander changed: see scripts/build.mjs)`);
      return { contents: text.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};
// The bundle is written inside CommonJS's wrapper (src/cli/bundle.ts compiles the file's text as it is): wrapping it at
// run time made a second 800 KB string, which V8 copied flat to compile it.
await build({
  ...commonJs,
  banner: { js: `${BUNDLE_WRAPPER_HEAD}${commonJs.banner.js}` },
  footer: { js: BUNDLE_WRAPPER_TAIL },
  define: { ...commonJs.define, __REDFORT_POOL_WORKER__: JSON.stringify('./cli-worker.cjs') },
  plugins: [lazyCommanderSpawn],
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli-main.cjs',
});
// vm.Script, which compiles the bundle with its cache, has no loader for import(): every import is a require here.
if (/[^\w$.]import\(/.test(readFileSync('dist/cli-main.cjs', 'utf8'))) {
  throw new Error("dist/cli-main.cjs calls import(): import the module statically (src/cli/bundle.ts compiles it without a module loader)");
}
// The code cache: made by a fresh node (default flags, as a run has) that runs audits through the bundle
// (scripts/train-cli.ts: offline ones, and a live one when redis-server is installed).
{
  const { tmpdir } = await import('node:os');
  const { runTraining } = await import('./train-run.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'redfort-build-'));
  try {
    // The short passwords' filter (src/rules/short-passwords.ts), before the training, whose audits read it.
    await build({ ...common, entryPoints: ['scripts/short-passwords-table.ts'], outfile: join(dir, 'short.mjs'), sourcemap: false });
    const { execFileSync: run } = await import('node:child_process');
    run(process.execPath, [join(dir, 'short.mjs'), 'dist/short-passwords.bin'], { stdio: 'inherit' });
    await build({ ...common, entryPoints: ['scripts/train-cli.ts'], outfile: join(dir, 'train.mjs'), sourcemap: false });
    await runTraining([join(dir, 'train.mjs'), 'dist/cli-main.cjs', 'dist/cli-main.cache', 'examples']);
    // A fleet run's (--targets): under its own V8 flags (src/cli/bundle.ts FLEET_V8_FLAGS), with a fleet audit.
    await runTraining([join(dir, 'train.mjs'), 'dist/cli-main.cjs', 'dist/cli-main.fleet.cache', 'examples', 'fleet']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// The library keeps its class names (minified, `err.constructor.name` of a SettingsError was `ve`): callers' loggers
// and util.inspect print them. The CLI's bundles need not: it prints messages only.
await build({ ...common, keepNames: true, define: { ...define, __REDFORT_POOL_WORKER__: JSON.stringify('./pool-worker.mjs') }, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs', packages: 'external' });
// The library's audit worker thread (src/app/pool.ts), beside dist/index.mjs.
await build({ ...common, define, entryPoints: ['src/app/pool-entry.ts'], outfile: 'dist/pool-worker.mjs', packages: 'external' });

// Type declarations for library users (`types`/`exports` in package.json point at dist/types/index.d.ts).
const { execFileSync } = await import('node:child_process');
const { createRequire } = await import('node:module');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
