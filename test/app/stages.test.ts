import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeStages } from '../../src/app/audit.ts';
import type { Facts } from '../../src/facts/types.ts';

// The probe and host stages run at once on the same facts; their outcomes merged must be what running them one
// after the other gives.
describe('mergeStages', () => {
  const base: Facts = { target: 't', sources: new Set(['live']), unavailable: { host: 'not yet', files: 'none given' } };
  const probe = { tls: [], notes: [], source: { kind: 'probe', detail: 'p' } } as unknown as NonNullable<Facts['probe']>;
  const host = { pid: 1 } as unknown as NonNullable<Facts['host']>;

  it('keeps what each stage added, the union of sources, and each stage\'s additions and removals in unavailable', () => {
    const withProbe: Facts = { ...base, probe, sources: new Set(['live', 'probe']) };
    const { host: _gone, ...rest } = base.unavailable;
    const withHost: Facts = { ...base, host, sources: new Set(['live', 'host']), unavailable: rest };
    const merged = mergeStages(base, [withProbe, withHost]);
    const sequential: Facts = { ...base, probe, host, sources: new Set(['live', 'probe', 'host']), unavailable: { files: 'none given' } };
    assert.deepEqual(merged, sequential);
    assert.deepEqual(mergeStages(base, [withHost, withProbe]), sequential);
  });

  it('keeps a stage\'s reason for what it could not gather', () => {
    const noProbe: Facts = { ...base, unavailable: { ...base.unavailable, probe: 'turned off' } };
    const noHost: Facts = { ...base, unavailable: { ...base.unavailable, host: 'turned off (--no-host)' } };
    assert.deepEqual(mergeStages(base, [noProbe, noHost]).unavailable, { host: 'turned off (--no-host)', files: 'none given', probe: 'turned off' });
  });
});
