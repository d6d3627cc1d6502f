/**
 * SHA-256 (FIPS 180-4) in JavaScript, for short messages: a fingerprint, a password. Loading node:crypto costs a
 * cold run some milliseconds, more than hashing a few hundred short texts here; src/util/hash.ts picks.
 */

/** The round constants. */
export const SHA256_K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The initial hash value. */
export const SHA256_IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

// One digest at a time (the functions are synchronous): the working arrays are made once.
const W = new Int32Array(64);
const H = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** Folds the 64-byte block of `bytes` at `at` into H. */
function compress(bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    W[i] = (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 7]! + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 16]!;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + SHA256_K[i]! + W[i]!) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  H[0]! += a; H[1]! += b; H[2]! += c; H[3]! += d; H[4]! += e; H[5]! += f; H[6]! += g; H[7]! += h;
}

/** The SHA-256 of `bytes`, in lowercase hex. */
export function sha256HexOfBytes(bytes: Uint8Array): string {
  H.set(SHA256_IV);
  const length = bytes.length;
  const whole = length - (length % 64);
  for (let at = 0; at < whole; at += 64) compress(bytes, at);
  // The last bytes, the 0x80 that ends the message, zeros, and its length in bits (64-bit big-endian): one block
  // or two.
  const rest = length - whole;
  const blocks = rest + 9 <= 64 ? 1 : 2;
  TAIL.fill(0);
  TAIL.set(bytes.subarray(whole), 0);
  TAIL[rest] = 0x80;
  const end = blocks * 64;
  const high = Math.floor(length / 0x20000000);
  const low = (length * 8) >>> 0;
  TAIL[end - 8] = high >>> 24; TAIL[end - 7] = high >>> 16; TAIL[end - 6] = high >>> 8; TAIL[end - 5] = high;
  TAIL[end - 4] = low >>> 24; TAIL[end - 3] = low >>> 16; TAIL[end - 2] = low >>> 8; TAIL[end - 1] = low;
  compress(TAIL, 0);
  if (blocks === 2) compress(TAIL, 64);
  let hex = '';
  for (let i = 0; i < 8; i++) hex += (H[i]! >>> 0).toString(16).padStart(8, '0');
  return hex;
}
