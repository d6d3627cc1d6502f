import { createRequire } from 'node:module';

/**
 * Loads a Node built-in module when it is first needed. A plain require, not import(): the CLI's bundle is compiled
 * with its code cache through vm.Script (src/cli/bundle.ts), which has no module loader for import().
 */
export const loadBuiltin: <T>(id: `node:${string}`) => T = createRequire(import.meta.url);

/** node:crypto when first needed: a plain audit never loads it (some milliseconds of a cold start; see hash.ts). */
export function nodeCrypto(): typeof import('node:crypto') {
  return loadBuiltin<typeof import('node:crypto')>('node:crypto');
}
