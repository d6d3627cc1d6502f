// `node --import ./scripts/test-loader.mjs`: runs the .ts files of src/ and test/ from what scripts/test-compile.mjs
// compiled, at their own URLs (import.meta.url and files found beside a test stay as they are). A .ts it has not
// compiled, or one changed since, tsx compiles as `--import tsx` would; tsx is loaded only then, as is its resolver,
// for a specifier Node's own does not find. (tsx's require hooks are not registered: nothing require()s a .ts.)
import { register } from 'node:module';
import { cacheDir, ROOT } from './test-cache.mjs';

// Stack traces name the .ts lines (the compiled files carry inline source maps), as under tsx.
process.setSourceMapsEnabled(true);
register('./test-loader-hooks.mjs', import.meta.url, { data: { root: ROOT, cache: cacheDir() } });
