import { nodeCrypto } from './builtin.ts';

/**
 * The SHA-256 of a text's UTF-8 bytes, in hex: ACL password hashes, fingerprints, the common-password list.
 * node:crypto is loaded at the first digest, not when a module that may ask for one is: a run that hashes nothing
 * (`redfort audit` in text, with no baseline) never loads it. (SHA-256 written in JavaScript was tried for the
 * fingerprints of a JSON report, some 80 blocks: it cost a cold run about 4 ms of CPU in the interpreter and
 * V8's optimizing compile of it 8 more, against about 5 ms to load node:crypto and hash.)
 */
export function sha256Hex(text: string): string {
  const crypto = nodeCrypto() as ReturnType<typeof nodeCrypto> & { hash?: (algorithm: string, data: string, encoding: 'hex') => string };
  // crypto.hash (Node 20.12 and later): one call, no Hash object per digest; else a Hash.
  return crypto.hash ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
