import { nodeCrypto } from './builtin.ts';
import { sha256HexOfBytes } from './sha256.ts';

/**
 * Texts up to this many UTF-16 units are hashed in JavaScript (src/util/sha256.ts): a plain audit hashes only its
 * findings' fingerprints and never loads node:crypto (some milliseconds of every cold start). Longer ones go to
 * node:crypto, loaded then.
 */
export const SHORT_TEXT = 2048;

/** The SHA-256 of a text's UTF-8 bytes, in hex: ACL password hashes, fingerprints, the common-password list. */
export function sha256Hex(text: string): string {
  if (text.length <= SHORT_TEXT) return sha256HexOfBytes(Buffer.from(text, 'utf8'));
  const crypto = nodeCrypto() as ReturnType<typeof nodeCrypto> & { hash?: (algorithm: string, data: string, encoding: 'hex') => string };
  // crypto.hash (Node 20.12 and later): one call, no Hash object per digest; else a Hash.
  return crypto.hash ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
