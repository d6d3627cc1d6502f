/**
 * The hardening profile: one source of truth for `redfort harden`, `redfort fix` and the rules' fix texts.
 * Pure data and functions, except `secrets-file.ts` (the 0600 reader/writer).
 */
export * from './profiles.ts';
export * from './users.ts';
export * from './secrets.ts';
export * from './tls.ts';
export * from './settings.ts';
export * from './ownership.ts';
export * from './provenance.ts';
export { readSecretsFile, writeSecretsFile } from './secrets-file.ts';
export { sha256Hex } from '../util/hash.ts';
