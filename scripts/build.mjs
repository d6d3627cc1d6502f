// Bundles the CLI and the library into single ESM files so the CLI starts fast.
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
