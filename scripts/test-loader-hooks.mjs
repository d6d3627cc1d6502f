// The hooks of scripts/test-loader.mjs (they run on Node's module-hooks thread).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledName } from './test-cache.mjs';

let prefix = '';
let cache = '';
/** tsx's own hooks (tsx/esm), loaded the first time a file needs them. */
let tsx;
/** Per .ts URL: its compiled file, or null when tsx compiles it. */
const compiledOf = new Map();

export function initialize(data) {
  prefix = `${pathToFileURL(data.root).href}/`;
  cache = data.cache;
}

function tsxHooks() {
  tsx ??= import('tsx/esm').then(async (hooks) => {
    await hooks.initialize({});
    return hooks;
  });
  return tsx;
}

const TYPESCRIPT = /\.[cm]?tsx?(?:[?#]|$)/;
const OURS = /^(?:src|test)\/[^?#]*\.ts$/;

/** The compiled file of the .ts at url, when scripts/test-compile.mjs compiled the file as it is now. */
function compiled(url) {
  let file = compiledOf.get(url);
  if (file !== undefined) return file;
  file = null;
  const path = url.startsWith(prefix) ? url.slice(prefix.length) : '';
  if (OURS.test(path)) {
    const name = join(cache, compiledName(decodeURIComponent(path), readFileSync(fileURLToPath(url))));
    if (existsSync(name)) file = name;
  }
  compiledOf.set(url, file);
  return file;
}

export async function resolve(specifier, context, nextResolve) {
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch {
    return (await tsxHooks()).resolve(specifier, context, nextResolve);
  }
  if (!resolved.url.startsWith('file:') || !TYPESCRIPT.test(resolved.url) || compiled(resolved.url)) return resolved;
  return (await tsxHooks()).resolve(specifier, context, nextResolve);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context);
  const file = compiled(url);
  if (file) return { format: 'module', source: readFileSync(file), shortCircuit: true };
  return (await tsxHooks()).load(url, context, nextLoad);
}
