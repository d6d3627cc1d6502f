import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclLineOfUser } from '../../src/fix/rollback.ts';
import { ReplyError } from '../../src/gather/live/resp.ts';
import type { Reply } from '../../src/gather/live/resp.ts';

// FIX-500: the rollback line of a user made from its ACL GETUSER reply. The replies and ACL LIST lines below were
// taken from the real 6.0.20 and 6.2.16 builds (test/builds/acl-getuser-line.test.ts compares them live there, and on
// 7.2.6 and Valkey 9.1.2; test/fix/acl-list-bound.test.ts on Debian's 7.0.15). Then what cannot be written back.
const H1 = 'c592df4a86933b92addc9842402ddf198c638ea9be58916ee6e3734e1e3152f8';
const H2 = '93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0';

describe("a user's ACL LIST line from its ACL GETUSER reply", () => {
  it('6.0: allkeys and bare key patterns, no channels', () => {
    assert.equal(aclLineOfUser('default', ['flags', ['on', 'allkeys', 'allcommands', 'nopass'], 'passwords', [], 'commands', '+@all', 'keys', ['*']]), 'user default on nopass ~* +@all');
    assert.equal(aclLineOfUser('u1', ['flags', ['on'], 'passwords', [H1, H2], 'commands', '-@all +@read -get +config|get', 'keys', ['k1:*', 'k2:*']]), `user u1 on #${H1} #${H2} ~k1:* ~k2:* -@all +@read -get +config|get`);
  });

  it('6.2: allchannels, bare channel patterns, resetchannels', () => {
    assert.equal(aclLineOfUser('u1', ['flags', ['on', 'allchannels'], 'passwords', [H1], 'commands', '-@all +@read', 'keys', ['k1:*'], 'channels', ['*']]), `user u1 on #${H1} ~k1:* &* -@all +@read`);
    assert.equal(aclLineOfUser('u5', ['flags', ['on', 'skip-sanitize-payload'], 'passwords', [H1], 'commands', '-@all +ping', 'keys', [], 'channels', ['ch:*', 'c2']]), `user u5 on skip-sanitize-payload #${H1} resetchannels &ch:* &c2 -@all +ping`);
    assert.equal(aclLineOfUser('u6', ['flags', ['on', 'allkeys', 'sanitize-payload'], 'passwords', [H1], 'commands', '+@all -@dangerous', 'keys', ['*'], 'channels', []]), `user u6 on sanitize-payload #${H1} ~* resetchannels +@all -@dangerous`);
  });

  it('7.0: rules as strings, selectors; a RESP3 map alike', () => {
    const reply: Reply = ['flags', ['on'], 'passwords', [H1], 'commands', '-@all +get', 'keys', '%R~r:* %W~w:*', 'channels', '', 'selectors', [['commands', '-@all +set', 'keys', '~sel:*', 'channels', ''], ['commands', '+@all', 'keys', '~x', 'channels', '&*']]];
    const line = `user u4 on #${H1} %R~r:* %W~w:* resetchannels -@all +get (~sel:* resetchannels -@all +set) (~x &* +@all)`;
    assert.equal(aclLineOfUser('u4', reply), line);
    const map = (r: Reply[]): Map<Reply, Reply> => new Map(Array.from({ length: r.length / 2 }, (_, i) => [r[2 * i]!, r[2 * i + 1]!]));
    const selectors = (reply[11] as Reply[][]).map(map);
    assert.equal(aclLineOfUser('u4', map([...reply.slice(0, 10), 'selectors', selectors])), line);
  });

  it('refuses what it cannot write back exactly', () => {
    const ok: Reply[] = ['flags', ['on'], 'passwords', [H1], 'commands', '+@all', 'keys', '~*', 'channels', '&*', 'selectors', []];
    const swap = (i: number, v: Reply): Reply[] => ok.map((x, j) => (j === i ? v : x));
    assert.throws(() => aclLineOfUser('u', swap(1, ['on', 'made-up-flag'])), /a flag 'made-up-flag'/);
    assert.throws(() => aclLineOfUser('u', swap(3, ['clear-text'])), /not SHA-256 hashes/);
    assert.throws(() => aclLineOfUser('u', swap(5, '+@all (~x')), /a word of commands/);
    assert.throws(() => aclLineOfUser('u', [...ok, 'future', 'x']), /a field 'future'/);
    assert.throws(() => aclLineOfUser('u', swap(11, [['commands', '+get', 'keys', '~x', 'channels', '', 'other', '1']])), /a field 'other'/);
    assert.throws(() => aclLineOfUser('u', 'OK'), /not a list of fields/);
    assert.throws(() => aclLineOfUser('u', swap(7, '~a( ~b')), /a word of keys/);
    assert.throws(() => aclLineOfUser('two words', ok), /user name/);
    assert.throws(() => aclLineOfUser('u', new ReplyError('NOPERM this user has no permissions to run the \'acl|getuser\' command')), /^Error: refused: NOPERM/);
    // Parentheses within one word are read back as one word: kept.
    assert.equal(aclLineOfUser('u', swap(7, '~a(b) ~c')), 'user u on #' + H1 + ' ~a(b) ~c &* +@all');
  });
});
