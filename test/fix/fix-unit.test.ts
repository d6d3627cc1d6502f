import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIX_CLASSES } from '../../src/fix/plan.ts';
import { clearTextNote } from '../../src/fix/apply.ts';
import type { FixPlan, PlanStep } from '../../src/fix/types.ts';
import { aclLineRules, readRollback, writeRollback } from '../../src/fix/rollback.ts';
import { checkCommand } from '../../src/fix/session.ts';
import { Locks } from '../../src/fix/lock.ts';
import { RULES } from '../../src/rules/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('fix: what it may send', () => {
  it('refuses FLUSH*, DEBUG, SHUTDOWN, MODULE and anything outside its command kinds', () => {
    for (const args of [['FLUSHALL'], ['flushdb', 'ASYNC'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN', 'NOSAVE'], ['MODULE', 'LOAD', '/x.so'], ['DEL', 'k'], ['SET', 'k', 'v'], ['REPLICAOF', 'NO', 'ONE'], ['CLUSTER', 'RESET'], ['EVAL', 'return 1', '0'], ['CONFIG', 'SET', 'dir', '/tmp'], ['CONFIG', 'SET', 'loglevel', 'notice', 'dbfilename', 'x.rdb'], ['CLIENT', 'KILL', 'ID', '1']]) {
      assert.throws(() => checkCommand(args), /refusing/, args.join(' '));
    }
    // The setting named is the one that moves a file, wherever it stands among the pairs.
    assert.throws(() => checkCommand(['CONFIG', 'SET', 'loglevel', 'notice', 'dbfilename', 'x.rdb']), { message: 'refusing to change dbfilename: fix never moves files' });
  });
  it('allows the plan and rollback commands and its own read-only ones', () => {
    for (const args of [['CONFIG', 'SET', 'loglevel', 'notice'], ['ACL', 'SETUSER', 'default', 'off'], ['ACL', 'DELUSER', 'admin'], ['SENTINEL', 'SET', 'm', 'auth-user', 'sentinel'], ['CONFIG', 'REWRITE'], ['ACL', 'SAVE'], ['CLIENT', 'LIST'], ['CLUSTER', 'INFO'], ['INFO', 'replication'], ['ACL', 'LIST']]) {
      assert.doesNotThrow(() => checkCommand(args), args.join(' '));
    }
  });
});

describe('fix: rollback record', () => {
  it("reads a record without 'applies' (older format) as none, and refuses one whose 'applies' is not a list of applies", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-rollback-'));
    try {
      const base = { format: 'redfort-fix-rollback', version: 1, warning: '', target: 'redis://127.0.0.1:6379', createdAt: '', nodes: [] };
      writeFileSync(join(dir, 'old.json'), JSON.stringify(base), { mode: 0o600 });
      assert.deepEqual((await readRollback(join(dir, 'old.json'))).applies, []);
      for (const applies of ['x', [null], [{ plan: 1, steps: [] }], [{ plan: 'p' }]]) {
        writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...base, applies }), { mode: 0o600 });
        await assert.rejects(readRollback(join(dir, 'bad.json')), { message: `${join(dir, 'bad.json')}: not a redfort fix rollback file (its 'applies' is not a list of applies)` });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is written through a new file of a name nobody can guess: a link planted at the pid\'s temp name is not followed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-rollback-'));
    try {
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'not the record\n', { mode: 0o644 });
      symlinkSync(victim, join(dir, `.rb.json.${process.pid}.tmp`));
      const record = { format: 'redfort-fix-rollback', version: 1, warning: '', target: 'redis://127.0.0.1:6379', createdAt: '', nodes: [], applies: [] } as const;
      writeRollback(join(dir, 'rb.json'), { ...record, nodes: [], applies: [] });
      assert.equal(readFileSync(victim, 'utf8'), 'not the record\n');
      assert.equal(statSync(victim).mode & 0o777, 0o644);
      assert.equal(statSync(join(dir, 'rb.json')).mode & 0o777, 0o600);
      assert.equal((JSON.parse(readFileSync(join(dir, 'rb.json'), 'utf8')) as { format: string }).format, 'redfort-fix-rollback');
      assert.deepEqual(readdirSync(dir).sort(), [`.rb.json.${process.pid}.tmp`, 'rb.json', 'victim.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits an ACL LIST line into its rules, selectors whole', () => {
    assert.deepEqual(aclLineRules('user app on #ab ~app:* resetchannels -@all +get (~other:* +set)'), { name: 'app', rules: ['on', '#ab', '~app:*', 'resetchannels', '-@all', '+get', '(~other:* +set)'] });
  });
});

describe('fix: rule docs', () => {
  it('every rule doc says whether fix can close it, and in the class the planner uses', () => {
    for (const rule of RULES) {
      const doc = readFileSync(join(ROOT, 'docs', 'rules', `${rule.id}.md`), 'utf8');
      const section = /## With `redfort fix`\n(.+)\n/.exec(doc)?.[1];
      assert.ok(section, `${rule.id}: no "With \`redfort fix\`" section`);
      const cls = FIX_CLASSES.get(rule.id);
      if (cls === undefined) assert.match(section, /cannot close it/, rule.id);
      else assert.ok(section.startsWith(`\`redfort fix\` closes it (${cls.replace('+', ' or ')})`), `${rule.id}: ${section}`);
    }
  });
});

// SOCKET-NAME: every node reached through a unix socket was `localhost:0`, so one socket's lock kept a fix off any
// other; each socket has its own lock now, and the refusal names the socket as the plan names the node.
describe('the lock of a node reached through a unix socket', () => {
  it('is its socket\'s own, and a held one names the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-lock-'));
    try {
      const env = { XDG_RUNTIME_DIR: dir, TMPDIR: dir };
      const [a, b, again] = [new Locks(env), new Locks(env), new Locks(env)];
      assert.equal(await a.acquire('localhost', 0, '/run/redis/a.sock'), undefined);
      assert.equal(await b.acquire('localhost', 0, '/run/redis/b.sock'), undefined);
      assert.match((await again.acquire('localhost', 0, '/run/redis/a.sock')) ?? '', new RegExp(`^another redfort fix \\(pid ${process.pid}\\) is working on unix:///run/redis/a\\.sock \\(lock file `));
      a.release();
      b.release();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// QA45-51: after a CONFIG REWRITE that wrote the users as #<sha256>, the note said the file's clear-text passwords are
// "not written back by a rollback", and the rollback's own CONFIG REWRITE wrote the requirepass it set back in clear.
describe('the rollback note of a step that took clear-text passwords out of redis.conf', () => {
  const step = { id: 7, node: '127.0.0.1:6379', class: 'safe', command: ['CONFIG', 'REWRITE'], rules: ['auth.plaintext-passwords'], reason: '', touches: [{ kind: 'file', role: 'config' }] };
  const plan = { nodes: [{ address: '127.0.0.1:6379', configFile: '/etc/redis/redis.conf' }], steps: [step] } as unknown as FixPlan;
  it('names requirepass (and masterauth) as written back in clear text when the rollback sets them back', () => {
    const note = clearTextNote(plan, step as unknown as PlanStep, { requirepass: 'x', masterauth: '', loglevel: 'warning' })!;
    assert.match(note, /not written back by a rollback, except requirepass: a rollback sets it back as it ran, and its CONFIG REWRITE writes it into \/etc\/redis\/redis\.conf in clear text again/);
    assert.match(clearTextNote(plan, step as unknown as PlanStep, { requirepass: 'x', masterauth: 'y' })!, /except requirepass and masterauth: a rollback sets them back as they ran/);
    assert.doesNotMatch(note, /\bx\b.*clear text/);
  });
  it('says no password comes back when none is recorded', () => {
    assert.match(clearTextNote(plan, step as unknown as PlanStep, { loglevel: 'warning' })!, /not written back by a rollback \(they are the weakness/);
  });
});
