import * as crypto from 'node:crypto';

/** crypto.hash (Node 20.12 and later): one call, no Hash object per digest; else a Hash. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** The SHA-256 of a text's UTF-8 bytes, in hex: ACL password hashes, fingerprints, the common-password list. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
