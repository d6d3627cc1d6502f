import type { SampleFacts } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './client-side-encryption.ts';

function sample(extra: Partial<SampleFacts> = {}): SampleFacts {
  return {
    node: 'redis://test',
    replica: false,
    databases: [{ db: 0, size: 5000, keys: 1000, encrypted: 412, hashed: 3, unread: {} }],
    findings: [],
    limits: { keys: 1000, timeMs: 5000, bytes: 32 << 20 },
    bytesRead: 1234,
    elapsedMs: 40,
    stopped: undefined,
    notes: [],
    source: { kind: 'live', command: 'SCAN/TYPE/GETRANGE… sample of redis://test' },
    ...extra,
  };
}

ruleTester(rule, {
  manual: [
    { name: 'without --sample-data: for a person to judge', facts: liveFacts(), message: /owner's call.*--sample-data/, severity: 'info' },
    { name: 'even with nothing gathered', facts: liveFacts({ unavailable: { config: 'x', acl: 'x', info: 'x', server: 'x' } }) },
  ],
  pass: [
    {
      name: 'nothing in clear text: says what was covered and that a sample is not proof',
      facts: liveFacts({ extra: { sample: sample() } }),
      message: /^no plaintext sensitive value in 1,000 sampled keys of db0; 412 keys look encrypted, 3 keys hold hashes\. A sample is not proof/,
    },
    {
      name: 'read on a replica, stopped by the time budget',
      facts: liveFacts({ extra: { sample: sample({ replica: true, node: 'redis://10.0.0.2:6379', stopped: 'time budget (5 s) reached' }) } }),
      message: /read on the replica redis:\/\/10\.0\.0\.2:6379.*stopped early: time budget/,
    },
  ],
  fail: [
    {
      name: 'the most severe detector first, with its severity; patterns, never keys',
      facts: liveFacts({
        extra: {
          sample: sample({
            findings: [
              { detector: 'email', pattern: 'user:*:profile', db: 0, keys: 40 },
              { detector: 'private-key', pattern: 'tls:*', db: 0, keys: 2 },
              { detector: 'email', pattern: 'session:*', db: 0, keys: 3 },
            ],
          }),
        },
      }),
      messages: [/^private keys \(PEM\) in clear text in 2 keys of 1,000 sampled keys of db0 \(tls:\*\)$/, /^e-mail addresses in clear text in 43 keys .*\(user:\*:profile, session:\*\)$/],
      severity: 'critical',
    },
  ],
  skip: [
    {
      name: 'sampling asked for but not permitted: the reason carries the ACL line',
      facts: liveFacts({ unavailable: { sample: 'the audit user may not run SCAN … ACL SETUSER <auditor> +scan …' } }),
      message: /ACL SETUSER/,
    },
    {
      name: 'an empty keyspace is no evidence',
      facts: liveFacts({ extra: { sample: sample({ databases: [{ db: 0, size: 0, keys: 0, encrypted: 0, hashed: 0, unread: {} }], notes: ['db0 is empty'] }) } }),
      message: /read no key: db0 is empty/,
    },
  ],
});
