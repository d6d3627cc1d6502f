import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { effectiveConfig, loadConf, parseConfText } from '../../src/gather/conf/redis-conf.ts';
import { load, parseError, vfs } from './helpers.ts';

const P = '/etc/redis/redis.conf';

function names(text: string): string[] {
  return parseConfText(text, P).map((d) => `${d.source.line}:${d.name}=${d.args.join('|')}`);
}

describe('parseConfText: lines', () => {
  const cases: readonly { name: string; text: string; expect: string[] }[] = [
    { name: 'comment and blank lines', text: '# c\n\n   \nport 1\n\t# indented comment\n', expect: ['4:port=1'] },
    { name: 'CRLF line endings', text: 'port 1\r\nbind a b\r\n', expect: ['1:port=1', '2:bind=a|b'] },
    { name: 'missing final newline', text: 'port 1\nhz 5', expect: ['1:port=1', '2:hz=5'] },
    { name: 'UTF-8 byte-order mark', text: '\uFEFFport 1\n', expect: ['1:port=1'] },
    { name: 'names are lowercased, values are not', text: 'PROTECTED-MODE NO\nDir /Data\n', expect: ['1:protected-mode=NO', '2:dir=/Data'] },
    { name: 'a # after a value is not a comment', text: 'bind 127.0.0.1 # local\n', expect: ['1:bind=127.0.0.1|#|local'] },
    { name: 'a line of only quotes-empty args', text: 'save ""\n', expect: ['1:save='] },
    { name: 'a lone CR separates words, not lines', text: 'bind a\rb\n', expect: ['1:bind=a|b'] },
    { name: 'trailing blanks and tabs', text: 'port 1 \t \n', expect: ['1:port=1'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(names(c.text), c.expect);
    });
  }

  it('keeps the file and line of each directive', () => {
    const [d] = parseConfText('\n\nmaxclients 5\n', '/x.conf');
    assert.deepEqual(d!.source, { kind: 'file', path: '/x.conf', line: 3 });
  });
});

describe('parseConfText: errors the server would refuse', () => {
  it('unbalanced quotes name file and line', () => {
    const err = parseError(() => parseConfText('port 1\nmasteruser "abc"def\n', '/x.conf'));
    assert.equal(err.path, '/x.conf');
    assert.equal(err.line, 2);
    assert.match(err.reason, /^Unbalanced quotes in configuration line/);
  });

  it('a NUL byte, in a directive or a comment, names its line: the server joins the next line to it', () => {
    // redis-server 7.0.15 read `bind 127.0.0.1\0x` + `protected-mode no` as `bind 127.0.0.1protected-mode no`.
    for (const text of ['port 1\nbind 127.0.0.1\0x\nprotected-mode no\n', 'port 1\n# note\0\nprotected-mode no\n']) {
      const err = parseError(() => parseConfText(text, P));
      assert.equal(err.line, 2);
      assert.match(err.reason, /^a NUL byte \(a binary or damaged file\?\): redis-server drops the rest of this line and reads the next line as part of it$/);
    }
  });

  it('a one-value directive with two arguments', () => {
    const err = parseError(() => parseConfText('maxclients 1 2\n', P));
    assert.match(err.message, /^\/etc\/redis\/redis.conf:1: wrong number of arguments: 'maxclients' takes exactly one argument, got 2/);
  });

  it('an inline comment is called out and the password is not quoted', () => {
    const err = parseError(() => parseConfText('requirepass s3cretPW # prod password\n', P));
    assert.match(err.reason, /no inline comments/);
    assert.doesNotMatch(err.message, /s3cretPW/);
    assert.doesNotMatch(err.message, /prod/);
  });

  it('a password with a space but no quotes is two arguments', () => {
    const err = parseError(() => parseConfText('masterauth hunter two\n', P));
    assert.match(err.reason, /wrong number of arguments/);
    assert.doesNotMatch(err.message, /hunter/);
  });

  it('a directive with no argument', () => {
    assert.match(parseError(() => parseConfText('port\n', P)).reason, /wrong number of arguments/);
  });

  it('include with two paths', () => {
    assert.match(parseError(() => parseConfText('include a b\n', P)).reason, /^Bad directive or wrong number of arguments/);
  });

  it('rename-command with one argument', () => {
    assert.match(parseError(() => parseConfText('rename-command CONFIG\n', P)).reason, /Bad directive/);
  });

  it('a module config without value', () => {
    assert.match(parseError(() => parseConfText('mymod.opt\n', P)).reason, /^Module config specified without value/);
  });
});

describe('parseConfText: unrendered templates', () => {
  const templated: readonly [string, string][] = [
    ['port {{ redis_port }}', '{{ redis_port }}'],
    ['{% if redis_requirepass %}', '{% if redis_requirepass %}'],
    ['port ${REDIS_PORT}', '${REDIS_PORT}'],
    ['port ${REDIS_PORT:-6379}', '${REDIS_PORT:-6379}'],
    ['sentinel monitor m @MASTER_HOST@ @MASTER_PORT@ 2', '@MASTER_HOST@'],
    // ERB (Chef's redisio, Puppet 3) and EPP (voxpupuli/puppet-redis): redfort said 'unknown directive'.
    ['port <%= @port %>', '<%= @port %>'],
    ['<%- if @unixsocket -%>', '<%- if @unixsocket -%>'],
    ['<%- | Stdlib::Port $port | -%>', '<%- | Stdlib::Port $port | -%>'],
    ['{# managed by salt #}', '{# managed by salt #}'],
    // Bare `$NAME` (sed or envsubst in an entrypoint) and `%name%`: redfort said 'Quorum must be 1 or greater' or
    // 'Invalid master port', or took the name for a host.
    ['sentinel monitor myservice $HOST_IP 6381 2', '$HOST_IP'],
    ['port $SENTINEL_PORT', '$SENTINEL_PORT'],
    ['slaveof %master-ip% %master-port%', '%master-ip%'],
  ];
  for (const [line, placeholder] of templated) {
    it(`flags ${placeholder}`, () => {
      const err = parseError(() => parseConfText(`# header\n${line}\n`, P));
      assert.equal(err.line, 2);
      assert.equal(err.reason, `unrendered template placeholder '${placeholder}': render the template first`);
    });
  }

  it('does not quote a placeholder in a secret', () => {
    const err = parseError(() => parseConfText('requirepass {{ secret "inyoka-redis-password" }}\n', P));
    assert.equal(
      err.reason,
      "unrendered template placeholder {{ … }} in 'requirepass' (not shown: it may hold a secret): render the template first",
    );
    const sentinel = parseError(() => parseConfText('sentinel auth-pass m @PASS@\n', P));
    assert.doesNotMatch(sentinel.message, /PASS/);
    for (const line of [
      'requirepass ${REDIS_PASSWORD}',
      'masterauth "${REDIS_PASSWORD:-x}"',
      'user app on >@APP_PASS@ ~* +get',
      'requirepass <%= @requirepass %>',
      'sentinel auth-pass master $REDIS_PASSWORD',
      'user app on >$APP_PASS ~* +get',
      'masterauth %master-pass%',
      // A Jinja tag closed in a secret is still a template (QA41-111 left those as they were).
      'requirepass "{{ redis_password }}"',
      'masterauth x{% raw %}y{% endraw %}',
      'user app on >{{ app_password }} ~* +get',
    ]) {
      assert.match(parseError(() => parseConfText(`${line}\n`, P)).reason, /^unrendered template placeholder .* in '(requirepass|masterauth|user|sentinel)' \(not shown/, line);
    }
  });

  // A generated password holds `@SS@` now and then: redis-server 7.0.15 starts with each of these lines (a real
  // server below), and the value is the password, not a placeholder.
  it('takes a placeholder within a longer secret as the password it is', () => {
    for (const [line, value] of [
      ['requirepass "Pa@SS@w0rd"', 'Pa@SS@w0rd'],
      ['masterauth x${HOME}y', 'x${HOME}y'],
      ['sentinel auth-pass m a@B@c', 'a@B@c'],
      ['requirepass "ab<%cd"', 'ab<%cd'],
      ['requirepass $ecret', '$ecret'],
      ['masterauth x$PASS', 'x$PASS'],
      ['requirepass 100%sure%', '100%sure%'],
      // QA41-111: an opened Jinja tag that is never closed (about 1 generated password in 100 holds `{{`, `{%` or `{#`).
      ['requirepass "Zq7a{#b9x!Lm2"', 'Zq7a{#b9x!Lm2'],
      ['requirepass Zq7a{{b9x', 'Zq7a{{b9x'],
      ['masterauth "Zq{%7ab9x"', 'Zq{%7ab9x'],
      ['sentinel auth-pass m Zq7a{#b9x', 'Zq7a{#b9x'],
      ['user app on >Zq7a{#b9x!Lm2 ~* +get', '+get'],
    ] as const) {
      const [directive] = parseConfText(`${line}\n`, P);
      assert.equal(directive?.args.at(-1), value, line);
    }
  });

  const plain = [
    'proc-title-template "{title} {listen-addr} {server-mode}"',
    'user app on >pw ~* +@all -@dangerous',
    '# port ${REDIS_PORT} in a comment',
    'logfile $HOME/redis.log',
    'masteruser ops@example.com',
    'logfile /var/log/$redis.log',
    'syslog-ident redis%1',
  ];
  for (const line of plain) {
    it(`does not flag: ${line}`, () => {
      assert.equal(parseConfText(`${line}\n`, P).length, line.startsWith('#') ? 0 : 1);
    });
  }
});

describe('loadConf: include', () => {
  it('relative include resolves against the cwd, default the top file directory', () => {
    const parsed = load({ [P]: 'port 1\ninclude extra.conf\nhz 3\n', '/etc/redis/extra.conf': 'maxclients 7\n' });
    assert.deepEqual(
      parsed.directives.map((d) => `${d.source.path}:${d.source.line}:${d.name}`),
      ['/etc/redis/redis.conf:1:port', '/etc/redis/redis.conf:2:include', '/etc/redis/extra.conf:1:maxclients', '/etc/redis/redis.conf:3:hz'],
    );
    assert.deepEqual(parsed.files, ['/etc/redis/redis.conf', '/etc/redis/extra.conf']);
    assert.equal(parsed.cwd, '/etc/redis');
  });

  it('relative include resolves against an explicit cwd (the server process cwd)', () => {
    const parsed = load({ [P]: 'include extra.conf\n', '/srv/extra.conf': 'maxclients 7\n' }, P, '/srv');
    assert.deepEqual(parsed.files, [P, '/srv/extra.conf']);
  });

  it('a relative top file resolves against cwd', () => {
    const parsed = load({ [P]: 'port 1\n' }, 'redis.conf', '/etc/redis');
    assert.deepEqual(parsed.files, [P]);
  });

  it('an earlier dir changes where relative includes resolve (the server chdirs)', () => {
    const parsed = load({ [P]: 'dir /var/lib/redis\ninclude local.conf\n', '/var/lib/redis/local.conf': 'hz 9\n' });
    assert.equal(parsed.directives.at(-1)!.source.path, '/var/lib/redis/local.conf');
  });

  it('absolute include', () => {
    const parsed = load({ [P]: 'include /opt/r/abs.conf\n', '/opt/r/abs.conf': 'hz 9\n' });
    assert.deepEqual(parsed.files, [P, '/opt/r/abs.conf']);
  });

  it('nested includes expand in place, depth first', () => {
    const parsed = load({
      [P]: 'include a.conf\nport 3\n',
      '/etc/redis/a.conf': 'port 1\ninclude b.conf\n',
      '/etc/redis/b.conf': 'port 2\n',
    });
    assert.deepEqual(
      parsed.directives.filter((d) => d.name === 'port').map((d) => d.args[0]),
      ['1', '2', '3'],
    );
    assert.deepEqual(parsed.files, [P, '/etc/redis/a.conf', '/etc/redis/b.conf']);
  });

  it('glob include reads the matches in sorted order', () => {
    const parsed = load({
      [P]: 'include conf.d/*.conf\n',
      '/etc/redis/conf.d/20-b.conf': 'hz 2\n',
      '/etc/redis/conf.d/10-a.conf': 'hz 1\n',
      '/etc/redis/conf.d/note.txt': 'garbage\n',
    });
    assert.deepEqual(parsed.files, [P, '/etc/redis/conf.d/10-a.conf', '/etc/redis/conf.d/20-b.conf']);
    assert.deepEqual(parsed.warnings, []);
  });

  it('glob matching nothing is skipped with a warning', () => {
    const parsed = load({ [P]: 'include /etc/redis/conf.d/*.conf\nhz 4\n' });
    assert.equal(parsed.directives.length, 2);
    assert.deepEqual(parsed.warnings, [
      "/etc/redis/redis.conf:1: include '/etc/redis/conf.d/*.conf' matched no file (skipped, as redis-server does)",
    ]);
  });

  it('glob matches are concatenated: a file without final newline joins the next file', () => {
    const parsed = load({
      [P]: 'include d/*.conf\n',
      '/etc/redis/d/a.conf': 'maxclients 77\nhz 1',
      '/etc/redis/d/b.conf': '5\ntimeout 3\n',
    });
    assert.deepEqual(
      parsed.directives.slice(1).map((d) => `${d.name} ${d.args.join(' ')}`),
      ['maxclients 77', 'hz 15', 'timeout 3'],
    );
    // The joined line is where it starts (QA41-109: it was b.conf:1), the lines after it keep their own numbers.
    assert.deepEqual(parsed.directives.slice(1).map((d) => `${d.source.path}:${d.source.line}`), ['/etc/redis/d/a.conf:1', '/etc/redis/d/a.conf:2', '/etc/redis/d/b.conf:2']);
    assert.deepEqual(parsed.warnings, ['/etc/redis/d/a.conf:2: /etc/redis/d/a.conf has no newline at its end: redis-server joins its last line (line 2) to the first line of /etc/redis/d/b.conf (glob include)']);
  });

  it('a joined line the server refuses: the error is at the line it starts on, and says it was joined (QA41-109)', () => {
    const err = parseError(() => load({ [P]: 'include d/*.conf\n', '/etc/redis/d/a.conf': 'port 7000\nprotected-mode no', '/etc/redis/d/b.conf': 'bind 0.0.0.0\n' }));
    assert.deepEqual([err.path, err.line], ['/etc/redis/d/a.conf', 2]);
    assert.match(err.reason, /^wrong number of arguments: 'protected-mode' takes .*; \/etc\/redis\/d\/a\.conf has no newline at its end: redis-server joins its last line \(line 2\) to the first line of \/etc\/redis\/d\/b\.conf/);
    // A file of one line without a line feed joins the next one's too: a.conf's line is joined with b's and c's.
    const three = load({ [P]: 'include d/*.conf\n', '/etc/redis/d/a.conf': 'hz 1', '/etc/redis/d/b.conf': '2', '/etc/redis/d/c.conf': '3\ntimeout 4\n' });
    assert.deepEqual(three.directives.slice(1).map((d) => `${d.source.path}:${d.source.line} ${d.name} ${d.args.join(' ')}`), ['/etc/redis/d/a.conf:1 hz 123', '/etc/redis/d/c.conf:2 timeout 4']);
    assert.match(three.warnings[0]!, /joins its last line \(line 1\) to the first line of \/etc\/redis\/d\/b\.conf, then of \/etc\/redis\/d\/c\.conf/);
  });

  it('a joined line whose value the server refuses: effectiveConfig says it was joined too', () => {
    const parsed = load({ [P]: 'include d/*.conf\n', '/etc/redis/d/a.conf': 'port 7000\nloglevel warning', '/etc/redis/d/b.conf': 'x\nhz 5\n' });
    const err = parseError(() => effectiveConfig(parsed, { version: '7.0.15' }));
    assert.deepEqual([err.path, err.line], ['/etc/redis/d/a.conf', 2]);
    assert.match(err.reason, /; \/etc\/redis\/d\/a\.conf has no newline at its end: redis-server joins its last line \(line 2\)/);
  });

  it('a missing plain include is an error at the including line', () => {
    const err = parseError(() => load({ [P]: 'port 1\ninclude /nope/x.conf\n' }));
    assert.equal(err.path, P);
    assert.equal(err.line, 2);
    assert.equal(err.reason, "include: can't open config file '/nope/x.conf': no such file (redis-server refuses to start)");
  });

  it('an unreadable include says why in words, as every other read error does (not EACCES)', () => {
    const readFile = (p: string): string => {
      if (p === P) return 'port 1\ninclude /etc/redis/private.conf\n';
      throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' });
    };
    const err = parseError(() => loadConf(P, { readFile, glob: () => [] }));
    assert.equal(err.line, 2);
    assert.equal(err.reason, "include: can't open config file '/etc/redis/private.conf': permission denied (redis-server refuses to start)");
  });

  it('an include cycle is an error naming the chain', () => {
    const err = parseError(() =>
      load({ [P]: 'include a.conf\n', '/etc/redis/a.conf': 'include b.conf\n', '/etc/redis/b.conf': 'include a.conf\n' }),
    );
    assert.equal(err.path, '/etc/redis/b.conf');
    assert.match(err.reason, /^include cycle: \/etc\/redis\/a\.conf -> \/etc\/redis\/b\.conf -> \/etc\/redis\/a\.conf/);
  });

  it('a file including itself', () => {
    assert.match(parseError(() => load({ [P]: 'include redis.conf\n' })).reason, /^include cycle/);
  });

  it('includes that fan out (each file includes the next twice) stop at 1,024 inclusions', () => {
    // 25 levels (2^25 copies of the last file) held the load forever; 12 levels (4,096) are enough to show the bound.
    const files: Record<string, string> = { [P]: 'include f0.conf\n', '/etc/redis/f12.conf': 'hz 1\n' };
    for (let i = 0; i < 12; i++) files[`/etc/redis/f${i}.conf`] = `include f${i + 1}.conf\ninclude f${i + 1}.conf\n`;
    const err = parseError(() => load(files));
    assert.match(err.reason, /^the includes read more than 1024 files, a file counted each time it is included: redfort stops there \(redis-server would read them all\)$/);
    // And by size: a file included more often than the bytes allow.
    const fs = vfs({ [P]: 'include a.conf\n'.repeat(5), '/etc/redis/a.conf': `# ${'x'.repeat(100)}\nhz 1\n` });
    const bytes = parseError(() => loadConf(P, { readFile: fs.readFile, glob: fs.glob, maxExpandedBytes: 400 }));
    assert.deepEqual([bytes.path, bytes.line], [P, 4]);
    assert.match(bytes.reason, /^the includes expand to more than 400 bytes/);
  });

  it('the same file included twice (no cycle) is read twice', () => {
    const parsed = load({ [P]: 'include a.conf\ninclude a.conf\n', '/etc/redis/a.conf': 'hz 1\n' });
    assert.equal(parsed.directives.filter((d) => d.name === 'hz').length, 2);
    assert.deepEqual(parsed.files, [P, '/etc/redis/a.conf']);
  });

  it('maxDepth stops deep nesting', () => {
    const files: Record<string, string> = { [P]: 'include 1.conf\n' };
    for (let i = 1; i < 6; i++) files[`/etc/redis/${i}.conf`] = `include ${i + 1}.conf\n`;
    files['/etc/redis/6.conf'] = 'hz 1\n';
    const fs = vfs(files);
    assert.doesNotThrow(() => loadConf(P, { ...fs, maxDepth: 8 }));
    assert.match(parseError(() => loadConf(P, { ...fs, maxDepth: 3 })).reason, /nested more than 3 levels/);
  });

  it('an error inside an included file names that file', () => {
    const err = parseError(() => load({ [P]: 'include a.conf\n', '/etc/redis/a.conf': '\n\nport 1 2\n' }));
    assert.equal(err.path, '/etc/redis/a.conf');
    assert.equal(err.line, 3);
  });

  it('a missing top file', () => {
    const err = parseError(() => load({}, '/etc/redis/none.conf'));
    assert.equal(err.reason, "can't open config file: no such file");
  });
});

describe('loadConf: warnings', () => {
  it('unknown directives are warnings, not errors', () => {
    const parsed = load({ [P]: 'server-threads 2\nport 1\n' }, P, '/etc/redis', { version: '7.0.15' });
    assert.equal(parsed.directives.length, 2);
    assert.match(parsed.warnings[0]!, /^\/etc\/redis\/redis\.conf:1: unknown directive \(not shown: a word of 14 characters that is no Redis or Valkey directive\)/);
    // An unknown version is judged as a tabled one (issue 11: the file would not start on any release redfort knows).
    assert.match(load({ [P]: 'server-threads 2\nport 1\n' }).warnings[0]!, /^\/etc\/redis\/redis\.conf:1: unknown directive \(not shown: a word of 14 characters that is no Redis or Valkey directive\)/);
    // A version newer than the tables: the config reader's warning alone.
    assert.deepEqual(load({ [P]: 'server-threads 2\nport 1\n' }, P, '/etc/redis', { version: '8.8.0' }).warnings, []);
    // A first word that is no directive name is content (a hash, a key): not echoed.
    const other = load({ [P]: 'root:$y$j9T$F5Jx-secret-hash-part:19000:0:99999:7:::\n' });
    assert.match(other.warnings[0]!, /^\/etc\/redis\/redis\.conf:1: unknown directive \(not shown: \d+ characters that are no directive name\)/);
    assert.doesNotMatch(other.warnings.join('\n'), /secret-hash/);
  });

  it('a byte-order mark is the line the server stops at (QA41-105: it was a warning)', () => {
    const e = parseError(() => load({ [P]: '\uFEFF# comment\nport 1\n' }));
    assert.deepEqual([e.path, e.line], [P, 1]);
    assert.match(e.reason, /byte-order mark.*refuses to start/);
  });

  it('legacy, alias, deprecated, module and non-config directives are known', () => {
    const parsed = load({
      [P]: [
        'slaveof 10.0.0.1 6379',
        'slave-read-only yes',
        'primaryauth x',
        'list-max-ziplist-entries 512',
        'lua-replicate-commands yes',
        'gopher-enabled no',
        'mymodule.setting 5',
        'loadmodule /m.so a b',
        'rename-command FLUSHALL ""',
        'user default on nopass ~* +@all',
      ].join('\n'),
    });
    assert.deepEqual(parsed.warnings, []);
  });
});

describe('loadConf: real file system', () => {
  it('follows relative, nested and glob includes on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-conf-'));
    try {
      mkdirSync(join(dir, 'conf.d'));
      mkdirSync(join(dir, 'conf.d', 'sub.conf'));
      writeFileSync(join(dir, 'redis.conf'), 'include conf.d/*.conf\ninclude extra.conf\n');
      writeFileSync(join(dir, 'conf.d', 'b.conf'), 'hz 2\n');
      writeFileSync(join(dir, 'conf.d', 'a.conf'), 'hz 1\n');
      writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'hz 99\n');
      writeFileSync(join(dir, 'extra.conf'), 'include nested/*.c?nf\n');
      mkdirSync(join(dir, 'nested'));
      writeFileSync(join(dir, 'nested', 'n.conf'), 'hz 3\n');
      const parsed = loadConf(join(dir, 'redis.conf'));
      assert.deepEqual(parsed.files, [
        join(dir, 'redis.conf'),
        join(dir, 'conf.d', 'a.conf'),
        join(dir, 'conf.d', 'b.conf'),
        join(dir, 'extra.conf'),
        join(dir, 'nested', 'n.conf'),
      ]);
      assert.deepEqual(
        parsed.directives.filter((d) => d.name === 'hz').map((d) => d.args[0]),
        ['1', '2', '3'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
