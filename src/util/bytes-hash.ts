/**
 * A 32-bit hash of `bytes[start]` up to `bytes[end]` (FNV-1a, then mixed as MurmurHash3 ends, so that sums of
 * hashes spread): where to look for the same bytes, never proof that they are the same. The RESP decoder computes
 * it as it reads the members of a reply (src/gather/live/resp.ts BulkList) and the category tables look members up
 * by it (src/acl/categories.ts): both must compute the same.
 */
export function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
