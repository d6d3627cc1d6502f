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

await build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.mjs' });
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs', packages: 'external' });

// Type declarations for library users (`types`/`exports` in package.json point at dist/types/index.d.ts).
const { execFileSync } = await import('node:child_process');
const { createRequire } = await import('node:module');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
