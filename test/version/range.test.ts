import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { satisfies } from '../../src/version/range.ts';

describe('satisfies (advisory ranges)', () => {
  const range = '>=2.6.0 <2.8.21 || >=2.9.0 <3.0.2';

  it('spaces mean AND, || means OR, bounds as written', () => {
    assert.equal(satisfies('2.8.20', range), true);
    assert.equal(satisfies('2.8.21', range), false);
    assert.equal(satisfies('2.9.0', range), true);
    assert.equal(satisfies('3.0.2', range), false);
    assert.equal(satisfies('2.5.9', range), false);
    assert.equal(satisfies('7.0.15', '=7.0.15'), true);
    assert.equal(satisfies('7.0.15', '7.0.15'), true);
    assert.equal(satisfies('7.0.15', '>7.0.15'), false);
    assert.equal(satisfies('7.0.15', '<=7.0.15'), true);
  });

  it('the same answers when a range or a version is asked again', () => {
    const versions = ['2.8.20', '2.8.21', '3.0.1', '3.0.2', '7.0.15', 'redis 3.0.0'];
    const first = versions.map((v) => satisfies(v, range));
    for (let i = 0; i < 3; i++) assert.deepEqual(versions.map((v) => satisfies(v, range)), first);
    assert.deepEqual(first, [true, false, true, false, false, true]);
  });

  it('an unreadable version matches nothing; a set with an unreadable comparator matches nothing, the other sets still do', () => {
    assert.equal(satisfies('not a version', range), false);
    assert.equal(satisfies('2.8.0', '>=2.6.0 <x.y || >=2.9.0'), false);
    assert.equal(satisfies('3.0.0', '>=2.6.0 <x.y || >=2.9.0'), true);
    assert.equal(satisfies('3.0.0', ''), false);
  });

  it('many distinct versions (a server says what it likes) each get their own answer', () => {
    for (let patch = 0; patch < 300; patch++) assert.equal(satisfies(`2.8.${patch}`, range), patch < 21, `2.8.${patch}`);
  });
});
