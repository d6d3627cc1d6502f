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

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

// The version is inlined (no package.json read at start); the CLI is split so that a run loads only what it
// uses: `--version` nothing, an audit neither the HTML reporter nor yaml unless it needs them (see README, Speed).
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const define = { __REDFORT_VERSION__: JSON.stringify(version) };
// A fresh clone has no dist/ yet (npm install runs this as `prepare`).
mkdirSync('dist', { recursive: true });
for (const file of readdirSync('dist', { withFileTypes: true })) {
  if (file.isFile() && /^chunk-[A-Z0-9]+\.mjs(\.map)?$/.test(file.name)) rmSync(`dist/${file.name}`);
}
await build({
  ...common,
  define,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
});
await build({ ...common, define, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs', packages: 'external' });

// Type declarations for library users (`types`/`exports` in package.json point at dist/types/index.d.ts).
const { execFileSync } = await import('node:child_process');
const { createRequire } = await import('node:module');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
