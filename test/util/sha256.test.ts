import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SHORT_TEXT, sha256Hex } from '../../src/util/hash.ts';
import { sha256HexOfBytes } from '../../src/util/sha256.ts';

const nodeSha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

describe('SHA-256 in JavaScript (src/util/sha256.ts)', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    assert.equal(sha256HexOfBytes(Buffer.from('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256HexOfBytes(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(
      sha256HexOfBytes(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    assert.equal(sha256HexOfBytes(Buffer.alloc(1_000_000, 'a')), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('agrees with node:crypto on every length around the block and padding edges', () => {
    // Bytes of every value, at every length up to three blocks: 55/56 and 63/64 are where the padding takes a block more.
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff);
      assert.equal(sha256HexOfBytes(bytes), nodeSha256(bytes), `length ${length}`);
    }
    // A view into a larger buffer hashes only its own bytes.
    const whole = Buffer.from('0123456789'.repeat(20));
    assert.equal(sha256HexOfBytes(whole.subarray(13, 140)), nodeSha256(whole.subarray(13, 140)));
  });
});

describe('sha256Hex (src/util/hash.ts)', () => {
  it("hashes a text's UTF-8 bytes, in JavaScript for a short text and with node:crypto for a long one", () => {
    const texts = [
      '', 'x', 'pässwörd', '密码', '🔑 key', 'lone \ud800 surrogate', 'version.known-vulnerabilities\n127.0.0.1:6379/0\nCVE-0-0',
      'é'.repeat(SHORT_TEXT), 'é'.repeat(SHORT_TEXT + 1), 'a'.repeat(SHORT_TEXT - 1), 'a'.repeat(SHORT_TEXT + 1), 'z'.repeat(100_000),
    ];
    for (const text of texts) assert.equal(sha256Hex(text), nodeSha256(Buffer.from(text, 'utf8')), JSON.stringify(text.slice(0, 40)));
  });
});
