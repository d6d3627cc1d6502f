import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BulkList, decodeChunks, NullMask } from '../../src/gather/live/resp.ts';
import type { Reply, ReplyShape, Shaped } from '../../src/gather/live/resp.ts';
import { bytesHash } from '../../src/util/bytes-hash.ts';
import { ConfigParseError, effectiveConfig, loadConf, parseConfText } from '../../src/gather/conf/redis-conf.ts';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { AclSyntaxError, parseAclListLine } from '../../src/acl/parse.ts';
import { resolveTarget, TargetError } from '../../src/redis/target.ts';
import { parseSettings } from '../../src/settings/parse.ts';
import { SettingsError } from '../../src/settings/types.ts';
import { RULES } from '../../src/rules/index.ts';

// Modest run counts: these run in every `npm test`. Each property is: no exception other than the parser's own
// typed error, and (where the input is well formed) the same result however the input is cut.
const RUNS = { numRuns: 150 };

/** `fn` returns, or throws one of `allowed`; anything else (a TypeError, a RangeError) fails the property. */
function onlyTyped(fn: () => unknown, ...allowed: (abstract new (...args: never[]) => Error)[]): void {
  try {
    fn();
  } catch (error) {
    if (!allowed.some((type) => error instanceof type)) throw error;
  }
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

const respValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `+${s.replace(/[\r\n]/g, '')}\r\n`),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
    fc.integer().map((n) => `:${n}\r\n`),
    fc.constant('$-1\r\n'),
    fc.constant('_\r\n'),
    fc.string({ maxLength: 12 }).map((s) => `-ERR ${s.replace(/[\r\n]/g, '')}\r\n`),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => `*${items.length}\r\n${items.join('')}`),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => `%${pairs.length}\r\n${pairs.flat().join('')}`),
  ),
})).value;

describe('RESP decoder', () => {
  test('a well-formed stream decodes the same however it is cut', () => {
    fc.assert(
      fc.property(fc.array(respValue, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (values, offsets) => {
        const wire = Buffer.from(values.join(''));
        const whole = decodeChunks([wire]);
        assert.equal(whole.error, undefined);
        assert.equal(whole.replies.length, values.length);
        assert.deepEqual(decodeChunks(cut(wire, offsets)), whole);
      }),
      RUNS,
    );
  });

  test("replies wanted as 'bulk-list' or 'nulls' are the same replies, however the stream is cut and whatever they hold", () => {
    const list = fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 6 }).map((items) => `*${items.length}\r\n${items.map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`).join('')}`);
    const withNulls = fc.array(fc.oneof(respValue, fc.constant('*-1\r\n'), fc.constant('$-1\r\n'), fc.constant(':-12\r\n'), fc.constant(':+3\r\n'), fc.constant('*0\r\n')), { maxLength: 6 }).map((items) => `*${items.length}\r\n${items.join('')}`);
    /** Replies as the shapes hand them over, checked against the decoded ones. */
    const same = (shaped: readonly (Reply | Shaped)[], whole: readonly Reply[]): void => {
      assert.equal(shaped.length, whole.length);
      shaped.forEach((reply, i) => {
        if (reply instanceof NullMask) {
          const decoded = whole[i];
          assert.ok(Array.isArray(decoded));
          assert.deepEqual(reply.present, decoded.map((e) => e !== null));
        } else if (reply instanceof BulkList) {
          assert.deepEqual(reply.texts(), whole[i]);
          assert.deepEqual(Array.from(reply.hashes), reply.texts().map((t) => bytesHash(Buffer.from(t), 0, Buffer.byteLength(t))));
        } else {
          assert.deepEqual(reply, whole[i]);
        }
      });
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(list, withNulls, respValue), fc.constantFrom<ReplyShape>('bulk-list', 'nulls', undefined)), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.nat(),
        (pairs, offsets, cap) => {
          const wire = Buffer.from(pairs.map(([value]) => value).join(''));
          const shapes = pairs.map(([, shape]) => shape);
          const whole = decodeChunks([wire]);
          same(decodeChunks([wire], undefined, shapes).replies, whole.replies);
          const pieces = cut(wire, offsets);
          same(decodeChunks(pieces, undefined, shapes).replies, whole.replies);
          // Under a cap: the same replies and the same error.
          const max = 8 + (cap % (wire.length + 8));
          const capped = decodeChunks(pieces, max, shapes);
          const plain = decodeChunks(pieces, max);
          assert.equal(capped.error, plain.error);
          same(capped.replies, plain.replies);
        },
      ),
      RUNS,
    );
  });

  test("a 'nulls' reply nested deeper than the decoder allows, or with a malformed element, fails as the decoder fails", () => {
    const deep = `*1\r\n${'*1\r\n'.repeat(70)}:1\r\n`;
    const badInteger = '*2\r\n:12x\r\n$1\r\na\r\n';
    const badBulk = '*2\r\n$3\r\nab\r\n:1\r\n';
    for (const wire of [deep, badInteger, badBulk]) {
      const shaped = decodeChunks([Buffer.from(wire)], undefined, ['nulls']);
      const plain = decodeChunks([Buffer.from(wire)]);
      assert.ok(plain.error, wire);
      assert.equal(shaped.error, plain.error);
    }
  });

  test('random bytes, cut anywhere: replies or a protocol error, never an exception, and the cap holds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), (bytes, offsets) => {
        const result = decodeChunks(cut(Buffer.from(bytes), offsets), 256);
        assert.ok(result.error === undefined || typeof result.error === 'string');
      }),
      RUNS,
    );
  });

  test('bulk strings decode to their own text, short ASCII ones shared across replies, hash collisions told apart', () => {
    // 'Aa' and 'BB' (and 'AaAa', 'BBBB'…) have the same hash: each must still come back as itself.
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'BBAa', 'config|get', 'set', ''));
    // A process decodes its first 2,048 short strings without sharing them (resp.ts, shortText), and finds its first
    // 4,096 line ends with V8's search (lineEnd): these, so that the properties below run on the shared strings and
    // the JavaScript search, whatever ran before in this process.
    const first = Array.from({ length: 4200 }, (_, i) => `name-${i}`);
    assert.deepEqual(decodeChunks([Buffer.from(`*${first.length}\r\n${first.map((t) => `$${t.length}\r\n${t}\r\n`).join('')}`)]).replies, [first]);
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), (texts) => {
        const wire = Buffer.from(texts.map((t) => `*1\r\n$${Buffer.byteLength(t)}\r\n${t}\r\n`).join('') + `*${texts.length}\r\n${texts.map((t) => `$${Buffer.byteLength(t)}\r\n${t}\r\n`).join('')}`);
        const { replies, error } = decodeChunks([wire]);
        assert.equal(error, undefined);
        assert.deepEqual(replies, [...texts.map((t) => [t]), texts]);
      }),
      RUNS,
    );
  });

  test('a declared length never allocates: a huge header alone decodes to nothing and no error', () => {
    fc.assert(
      fc.property(fc.constantFrom('$', '*', '%', '~'), fc.integer({ min: 1, max: 60_000_000 }), (type, n) => {
        const before = process.memoryUsage().arrayBuffers;
        const result = decodeChunks([Buffer.from(`${type}${n}\r\n`)]);
        assert.deepEqual(result.replies, []);
        assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
      }),
      { numRuns: 40 },
    );
  });
});

const confLine = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('save 900 1', 'save ""', 'bind 127.0.0.1 -::1', 'port 6379', 'requirepass "a b"', 'user u on >p ~* +@all', 'rename-command CONFIG ""', 'include', 'sentinel monitor m 127.0.0.1 6379 2', 'maxmemory 1gb', "dir '/tmp'", 'protected-mode no'),
);

describe('redis.conf, sentinel.conf and ACL files', () => {
  test('redis.conf: parsed, or refused with a ConfigParseError naming a line', () => {
    fc.assert(
      fc.property(fc.array(confLine, { maxLength: 12 }), fc.boolean(), (lines, sentinel) => {
        const text = lines.join('\n');
        onlyTyped(() => parseConfText(text, '/r.conf'), ConfigParseError);
        onlyTyped(() => {
          const parsed = loadConf('/r.conf', { readFile: () => text, glob: () => [] });
          effectiveConfig(parsed, sentinel ? { sentinel: true } : {});
        }, ConfigParseError);
      }),
      RUNS,
    );
  });

  test('redis.conf: parsing a file twice, or with CRLF line ends, gives the same directives', () => {
    fc.assert(
      fc.property(fc.array(confLine, { maxLength: 12 }), (lines) => {
        let first;
        try {
          first = parseConfText(lines.join('\n'), '/r.conf');
        } catch (error) {
          if (error instanceof ConfigParseError) return;
          throw error;
        }
        assert.deepEqual(parseConfText(lines.join('\n'), '/r.conf'), first);
      }),
      RUNS,
    );
  });

  const aclToken = fc.oneof(
    fc.string({ maxLength: 12 }).filter((s) => !/\s/.test(s)),
    fc.constantFrom('on', 'off', 'nopass', 'resetpass', 'reset', '~*', '&*', '+@all', '-@all', 'allkeys', '%R~k:*', '(~x +get)', '(+set', 'x)', 'clearselectors', '>secret', '<secret', '#' + 'a'.repeat(64), '+config|get', '-debug'),
  );

  test('ACL rules: a user, or an AclSyntaxError whose message never holds a password', () => {
    fc.assert(
      fc.property(fc.array(aclToken, { maxLength: 10 }), fc.constantFrom(undefined, '6.0.20', '6.2.16', '7.0.15', '7.4.1'), (tokens, version) => {
        try {
          parseAclListLine(`user u ${tokens.join(' ')}`, { kind: 'live', command: 'ACL LIST' }, version ? { version } : {});
        } catch (error) {
          if (!(error instanceof AclSyntaxError)) throw error;
          assert.doesNotMatch(error.message, /secret/);
        }
      }),
      RUNS,
    );
  });

  test('ACL files: strict throws only ConfigParseError; lenient never throws and keeps every good line', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.array(aclToken, { maxLength: 6 }).map((t) => `user u${t.length} ${t.join(' ')}`), fc.string({ maxLength: 30 })), { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        onlyTyped(() => parseAclFile(text, '/u.acl'), ConfigParseError);
        const lenient = parseAclFile(text, '/u.acl', { lenient: true });
        for (const p of lenient.problems) assert.doesNotMatch(p.reason, /secret/);
      }),
      RUNS,
    );
  });
});

describe('URLs and settings', () => {
  test('a target URL resolves or is a TargetError', () => {
    const url = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.constantFrom('redis', 'rediss', 'valkey', 'http', 'unix'), fc.constantFrom('', 'u:p@', ':p@', 'u@'), fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.constant('[fe80::1%25lo]')), fc.oneof(fc.constant(''), fc.integer({ min: -5, max: 70_000 }).map((p) => `:${p}`), fc.constant(':1:2')), fc.constantFrom('', '/0', '/16', '/x', '?x=1'))
        .map(([scheme, auth, host, port, rest]) => `${scheme}://${auth}${host}${port}${rest}`),
    );
    fc.assert(fc.property(url, (spec) => onlyTyped(() => resolveTarget(spec, {}, {}), TargetError)), RUNS);
  });

  test('a settings file parses or is a SettingsError naming a line', () => {
    const ruleIds = RULES.map((r) => r.id);
    const yaml = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(fc.constantFrom('failOn: high', 'rules:', '  tls: off', '  tls: low', 'targets:', '  redis://10.0.0.1:6379:', '    user: a', '    tls: yes', '    db: -1', 'suppressions:', '  - rule: tls', '    reason: x', '  - { rule: nope }', 'thresholds:', '  minPasswordLength: 3', '&a x', '*a', '- ]'), { maxLength: 10 }).map((l) => l.join('\n')),
    );
    fc.assert(
      fc.property(yaml, (text) => {
        try {
          parseSettings(text, '.redfort.yaml', { ruleIds });
        } catch (error) {
          if (!(error instanceof SettingsError)) throw error;
          assert.match(error.message, /^\.redfort\.yaml:\d+: /);
        }
      }),
      RUNS,
    );
  });
});
