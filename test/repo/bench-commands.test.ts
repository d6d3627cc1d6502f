import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditCommands } from '../../src/gather/live/gather-live.ts';
// @ts-expect-error: a JavaScript module of the benchmarks, without types.
import { AUDIT_COMMANDS } from '../../bench/audit-commands.mjs';

test('the benchmarks send the commands the audit sends, in its order', () => {
  assert.deepEqual(AUDIT_COMMANDS, auditCommands().map((c) => [...c.args]));
});
