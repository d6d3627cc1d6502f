import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownDirective } from '../../src/gather/conf/tokenize.ts';

// A dotted word was named as a module's config ('unknown directive 'S3cret.pw''): the first word of a password file
// or a secrets file given as --config. Only a directive redfort knows is named.
describe('an unknown directive is named only when redfort knows it', () => {
  it('a dotted word is not shown; a known directive of another release is; a typo gets its near name', () => {
    assert.equal(unknownDirective('S3cret.pw'), 'unknown directive (not shown: a word of 9 characters that is no Redis or Valkey directive)');
    assert.equal(unknownDirective('abc.def'), 'unknown directive (not shown: a word of 7 characters that is no Redis or Valkey directive)');
    assert.equal(unknownDirective('vm-enabled'), "unknown directive 'vm-enabled'");
    assert.match(unknownDirective('maxmemroy'), /did you mean 'maxmemory'/);
  });
});
