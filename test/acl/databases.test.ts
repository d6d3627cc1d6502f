import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AclSyntaxError, parseAclListLine, parseAclUser } from '../../src/acl/parse.ts';
import { caseKey, CASES, expectAgreement, recorded, RECORDED_PATH } from './databases.ts';

// Valkey 9.1's database ACL rules against what a real valkey-server 9.1.2 did with them (RECORDED_PATH; the build
// itself: test/builds/acl-databases.test.ts). QA38-12: users with `db=0` were left out of the audit.

describe('Valkey 9.1 database rules (db=, alldbs, resetdbs) as the real 9.1.2 reads them', () => {
  const fixture = recorded();
  it('the recording has every case', () => assert.deepEqual(Object.keys(fixture.outcomes).sort(), CASES.map(caseKey).sort(), RECORDED_PATH));
  for (const [i, rules] of CASES.entries()) {
    it(`${caseKey(rules)}: refused or read as the server did`, () => expectAgreement(fixture.version, rules, fixture.outcomes[caseKey(rules)]!, i));
  }

  it('every recorded ACL LIST line is read, with and without a version', () => {
    for (const outcome of Object.values(fixture.outcomes)) {
      if (!('line' in outcome)) continue;
      parseAclListLine(outcome.line, { kind: 'live', command: 'ACL LIST' });
      parseAclListLine(outcome.line, { kind: 'live', command: 'ACL LIST' }, { version: fixture.version });
    }
  });

  it('before Valkey 9.1 (and on Redis) they are refused as the server refuses them, saying why', () => {
    for (const version of ['valkey-9.0.0', 'valkey-8.0.1', '8.6.3', '7.2.6']) {
      for (const rule of ['db=0', 'alldbs', 'resetdbs']) {
        assert.throws(() => parseAclUser('u', [rule], { kind: 'live', command: 'ACL SETUSER' }, { version }), (e: unknown) => {
          assert.ok(e instanceof AclSyntaxError);
          assert.equal(e.message, `Error in ACL SETUSER modifier '${rule}': Syntax error (database rules (db=, alldbs, resetdbs) are Valkey 9.1+)`);
          return true;
        }, `${rule} on ${version}`);
      }
    }
  });
});
