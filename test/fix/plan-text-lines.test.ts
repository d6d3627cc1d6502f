// QA44-52: fix's text printed the rules' messages raw under "Not closed by fix (do it by hand)": a sentinel that names
// its master `m1\nsentinel notification-script m1 /tmp/evil.sh` put a sentinel.conf line of its choosing, or a
// forged plan step (`\n   8. [safe] …`), on a line of its own. Every entry of the plan's and the apply's text is one
// line, its control characters written as `\u000a`, as the audit's text report writes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyOutcome } from '../../src/fix/apply.ts';
import { formatApplyText, formatPlanText } from '../../src/fix/text.ts';
import type { FixPlan } from '../../src/fix/types.ts';

const NAME = 'm1\nsentinel notification-script m1 /tmp/evil.sh\r\n   8. [safe] 127.0.0.1:6379  CONFIG SET dir /etc';

const plan: FixPlan = {
  format: 'redfort-fix-plan',
  version: 1,
  tool: { name: 'redfort', version: '0' },
  target: 'redis://127.0.0.1:26379',
  deployment: 'sentinel',
  createdAt: '2026-12-07T00:00:00Z',
  digest: 'a'.repeat(64),
  nodes: [],
  steps: [{ id: 1, node: '127.0.0.1:26379', class: 'safe', command: ['SENTINEL', 'SET', NAME, 'quorum', '2'], rules: ['sentinel.quorum'], reason: `master '${NAME}' is watched by 1 sentinel`, order: 'sentinels' } as unknown as FixPlan['steps'][number]],
  manual: [{ node: 'redis://127.0.0.1:26379', rule: 'sentinel.quorum', message: `master '${NAME}' is watched by 1 sentinel: fewer than 3` }],
  secrets: [],
  notes: [`master '${NAME}': noted`],
};

/** The lines that a server's text made: any that starts as the forged ones do. */
const forged = (text: string): string[] => text.split('\n').filter((l) => /^(sentinel notification-script|\s+8\. \[safe\])/.test(l));

describe("fix's text keeps each entry on one line (QA44-52)", () => {
  it('the plan: a manual item, a step reason and a note naming a master with line breaks', () => {
    const text = formatPlanText(plan);
    assert.deepEqual(forged(text), [], text);
    assert.match(text, /^ {2}redis:\/\/127\.0\.0\.1:26379 sentinel\.quorum: master 'm1\\u000asentinel notification-script m1 \/tmp\/evil\.sh\\u000d\\u000a {3}8\. \[safe\] 127\.0\.0\.1:6379 {2}CONFIG SET dir \/etc' is watched by 1 sentinel: fewer than 3$/m);
    assert.match(text, /^ {7}why safe: master 'm1\\u000asentinel notification-script/m);
    assert.match(text, /^ {2}master 'm1\\u000asentinel notification-script m1 \/tmp\/evil\.sh\\u000d\\u000a {3}8\. \[safe\][^\n]*': noted$/m);
    // The plan's own lines are as before.
    assert.match(text, /^Not closed by fix \(do it by hand\):$/m);
    assert.match(text, /^Notes:$/m);
  });

  it("the apply: a rule's before and after", () => {
    const outcome: ApplyOutcome = { ok: true, applied: [1], changes: [{ node: '127.0.0.1:26379', rule: 'sentinel.quorum', before: `fail (master '${NAME}')`, after: 'pass' }], restoredFiles: [], notRestored: [], rolledBack: false } as unknown as ApplyOutcome;
    const text = formatApplyText(outcome);
    assert.deepEqual(forged(text), [], text);
    assert.match(text, /^ {2}127\.0\.0\.1:26379 sentinel\.quorum: fail \(master 'm1\\u000asentinel notification-script[^\n]*'\) → pass$/m);
  });
});
