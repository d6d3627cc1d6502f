import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeServer } from './helpers/fake-resp-server.ts';
import { build, runCli } from './report/cli-run.ts';
import type { CliRun } from './report/cli-run.ts';
import { freePort } from './harness/servers.ts';
import { SERVER_NAMES } from '../src/facts/host.ts';

// Usage errors, hostile servers and help: what a person sees on the command line. No real server needed.

/** Exit 2, exactly one line on stderr matching `pattern`, nothing on stdout, no stack trace. */
function oneLineError(result: CliRun, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit ${result.code}; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('redfort: warning: a password on the command line'));
  assert.equal(lines.length, 1, `stderr is not one line:\n${result.stderr}`);
  assert.match(lines[0]!, /^redfort: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at |Error: |\.ts:\d+|\.mjs:\d+|undefined|\[object Object\]/m, 'a stack trace');
  assert.doesNotMatch(result.stderr, /\x1b/, 'an escape sequence on stderr');
  assert.equal(result.stdout, '');
}

describe('command-line experience', { concurrency: 4 }, () => {
  let dir: string;
  let dead: string;
  let hostile: FakeServer;
  let silent: FakeServer;

  before(async () => {
    await build();
    dir = await mkdtemp(join(tmpdir(), 'redfort-ux-'));
    await mkdir(join(dir, 'a dir'));
    await writeFile(join(dir, 'redis.conf'), 'port 6379\n');
    dead = `redis://127.0.0.1:${await freePort()}`;
    // A server whose errors carry terminal escape sequences (clear screen, colour, window title, bell). It asks for
    // no password, so the audit goes on and quotes its errors in the report.
    hostile = await startFakeServer(() => '-ERR \x1b[2J\x1b[31mpwned\x1b]0;title\x07\r\n');
    // Accepts TCP and waits for a command, as a plain-text Redis port does for a TLS ClientHello.
    silent = await startFakeServer(() => 'silence');
  });

  after(async () => {
    await Promise.all([hostile.close(), silent.close(), rm(dir, { recursive: true, force: true })]);
  });

  it('a timeout out of range is one line naming the flag, in every command that connects', async () => {
    const cases: [string[], RegExp][] = [
      [['audit', '--timeout', '0', dead], /--timeout must be a whole number from 1 to 600000, not '0'/],
      [['reboot-plan', '--connect-timeout', 'x', dead], /--connect-timeout must be a whole number from 1 to 600000, not 'x'/],
      [['fix', '--plan', '--timeout', '600001', dead], /--timeout must be a whole number from 1 to 600000, not '600001'/],
      [['harden', '--connect-timeout', '0', '--out', join(dir, 'never-written')], /--connect-timeout must be a whole number from 1 to 600000, not '0'/],
    ];
    for (const [args, pattern] of cases) oneLineError(await runCli(args), pattern);
  });

  it('a number given in hex, with an exponent, a sign or spaces is refused: only plain decimal digits', async () => {
    // Number() took them: `--target-timeout 1e1` was 10 ms, `--jobs 0x2` two threads, `--connect-timeout ''` 0.
    const cases: [string[], RegExp][] = [
      [['audit', '--jobs', '0x2', '--targets', '-', dead], /--jobs must be auto or a whole number from 1 to 64, not '0x2'/],
      [['audit', '--target-timeout', '1e1', dead], /--target-timeout must be a whole number from 1 to 86400000, not '1e1'/],
      [['audit', '--concurrency', '0b11', dead], /--concurrency must be a whole number from 1 to 10000, not '0b11'/],
      [['audit', '--connect-timeout', '', dead], /--connect-timeout must be a whole number from 1 to 600000, not ''/],
      [['audit', '--timeout', ' 5', dead], /--timeout must be a whole number from 1 to 600000, not ' 5'/],
      [['audit', '--max-findings', '1e0', dead], /--max-findings must be a positive whole number, not '1e0'/],
      [['audit', '--sample-data', '1e3', dead], /--sample-data must be a whole number from 1 to 10000000, not '1e3'/],
      [['audit', '--sample-data', '--sample-time', '0x5', dead], /--sample-time must be seconds from 0 to 3600, not '0x5'/],
      [['audit', '-p', '+6379'], /--port must be a whole number from 1 to 65535, not '\+6379'/],
      [['reboot-plan', '--max-batch', '2.0', dead], /--max-batch must be a whole number from 1 to 1000, not '2\.0'/],
      [['fix', '--plan', '--timeout', '1E3', dead], /--timeout must be a whole number from 1 to 600000, not '1E3'/],
    ];
    for (const [args, pattern] of cases) oneLineError(await runCli(args), pattern);
  });

  it('a malformed percent escape in a URL password: one line, no stack trace, no password', async () => {
    const result = await runCli(['audit', 'redis://u:Secret%zzPw@127.0.0.1:1']);
    oneLineError(result, /invalid target 'redis:\/\/u@127\.0\.0\.1:1': invalid percent-encoding in the password/);
    assert.doesNotMatch(result.stderr, /Secret|zzPw/);
  });

  it('a password on the command line, after -a or in a URL, is warned of (ps shows it); REDISCLI_AUTH is not', async () => {
    // One style for every warning (`redfort: warning: …`, said once), as every other line of redfort's.
    const warning = 'redfort: warning: a password on the command line is visible to other users of this machine (ps); prefer REDISCLI_AUTH';
    for (const args of [['-a', 'Cli-Pw-1', dead], [dead.replace('redis://', 'redis://u:Cli-Pw-2@')], ['-u', dead.replace('redis://', 'redis://:Cli-Pw-3@')], ['-a', 'Cli-Pw-8', dead.replace('redis://', 'redis://u:Cli-Pw-9@'), dead]]) {
      const result = await runCli(['audit', '--no-host', ...args]);
      const lines = result.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines[0], warning, args.join(' '));
      assert.equal(lines.filter((l) => l.includes('a password on the command line')).length, 1, result.stderr);
      for (const line of lines) assert.match(line, /^redfort: /, result.stderr);
      assert.doesNotMatch(result.stderr, /Warning:|warning: warning/, result.stderr);
      assert.doesNotMatch(result.stderr + result.stdout, /Cli-Pw/);
    }
    const env = await runCli(['audit', '--no-host', dead.replace('redis://', 'redis://u@')], { env: { REDISCLI_AUTH: 'Cli-Pw-4' } });
    assert.doesNotMatch(env.stderr, /a password on the command line/);
    // A --node-override URL's password is on the command line too (QA37-9), in audit and in fix; one without is not.
    const override = `${warning} (for node overrides: an inventory's nodeOverrides takes passwordEnv or passwordFile, docs/inventory.md)`;
    for (const command of [['audit', '--no-host'], ['fix', '--plan']]) {
      const withPw = await runCli([...command, dead, '--sentinel', '--node-override', 'master=redis://:Cli-Pw-10@127.0.0.1'], { env: { REDISCLI_AUTH: '' } });
      assert.equal(withPw.stderr.split('\n')[0], override, withPw.stderr);
      assert.doesNotMatch(withPw.stderr + withPw.stdout, /Cli-Pw/);
      const without = await runCli([...command, dead, '--sentinel', '--node-override', 'master=redis://ops@127.0.0.1'], { env: { REDISCLI_AUTH: 'Cli-Pw-11' } });
      assert.doesNotMatch(without.stderr, /a password on the command line/, without.stderr);
    }
    const fixA = await runCli(['fix', '--plan', '-a', 'Cli-Pw-12', dead], { env: { REDISCLI_AUTH: '' } });
    assert.equal(fixA.stderr.split('\n')[0], warning, fixA.stderr);
    // redis-cli's --no-auth-warning silences it, in audit and fix (QA45-56: it was an unknown option, exit 2).
    for (const command of [['audit', '--no-host'], ['fix', '--plan']]) {
      const quiet = await runCli([...command, '-a', 'Cli-Pw-13', '--no-auth-warning', dead], { env: { REDISCLI_AUTH: '' } });
      assert.doesNotMatch(quiet.stderr, /a password on the command line|unknown option/, quiet.stderr);
      assert.doesNotMatch(quiet.stderr + quiet.stdout, /Cli-Pw/);
    }
  });

  // redis-cli reads `redis://secret@host` as a password; redfort reads a user name, as URLs do, and put the "name" in
  // every report without a word: someone who wrote the URL redis-cli's way published the password.
  // QA45-63: the warning said so, and the reports still named the target redis://PASSWORD@host (SARIF 20 times).
  it("a URL's lone part before '@' with no password anywhere: a warning that it may be the password, left out of the run and of every output", async () => {
    for (const format of ['json', 'sarif', 'text']) {
      const lone = await runCli(['audit', '--no-host', '--no-probe', '-f', format, dead.replace('redis://', 'redis://Cli-Pw-5@')], { env: { REDISCLI_AUTH: '' } });
      assert.match(lone.stderr, /^redfort: warning: the URL of 127\.0\.0\.1:\d+ names a user and gives no password: redis-cli would read what precedes '@' as the password, so it is left out \(not sent, not in any output\); for a password write redis:\/\/:PASSWORD@host or set REDISCLI_AUTH, for a user without one --user NAME$/m);
      for (const line of lone.stderr.split('\n').filter((l) => l !== '')) assert.match(line, /^redfort: (?!warning: warning)/i, lone.stderr);
      assert.doesNotMatch(lone.stderr + lone.stdout, /Cli-Pw-5/, format);
      assert.match(lone.stdout, /127\.0\.0\.1/, format);
    }
    for (const quiet of [{ args: [dead.replace('redis://', 'redis://u@')], env: { REDISCLI_AUTH: 'Cli-Pw-6' } }, { args: [dead.replace('redis://', 'redis://u:Cli-Pw-7@')], env: { REDISCLI_AUTH: '' } }]) {
      const run = await runCli(['audit', '--no-host', ...quiet.args], { env: quiet.env });
      assert.doesNotMatch(run.stderr, /names a user and gives no password/, quiet.args.join(' '));
    }
  });

  it("a password holding '/', ':' or '@' is masked in errors that quote the target as written", async () => {
    const override = await runCli(['audit', 'redis://127.0.0.1:1', '--sentinel', '--node-override', 'redis://u:se/cr:et@x:1']);
    oneLineError(override, /--node-override 'redis:\/\/u:\*\*\*@x:1' must be KEY=URL/);
    assert.doesNotMatch(override.stderr, /se\/cr|cr:et/);
    const inventory = join(dir, 'odd-password.yaml');
    await writeFile(inventory, `targets:\n  - url: "redis://u:pa@ss/wd:x@127.0.0.1:1"\n    passwordFile: ${join(dir, 'no-such-file')}\n`);
    const fleet = await runCli(['audit', '--targets', inventory, '--format', 'json']);
    assert.equal(fleet.code, 2, fleet.stderr);
    // Named as when it is audited (QA38-5): the URL's user, never its password.
    assert.match(fleet.stdout, /"target": "redis:\/\/u@127\.0\.0\.1:1"/);
    assert.doesNotMatch(`${fleet.stdout}${fleet.stderr}`, /pa@ss|ss\/wd|wd:x/);
  });

  it('a short password is masked with the whole word it stands in, never inside one: that showed where it stood', async () => {
    // 'conn' in 'connection refused' was '***ection refused', 'p' in 'supported' 'su******orted': each told the password.
    const inside = /[A-Za-z0-9]\*\*\*|\*\*\*[A-Za-z0-9]/;
    const refused = await runCli(['audit', '--no-host', '--no-probe', dead], { env: { REDISCLI_AUTH: 'conn' } });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stdout, /ERROR \*\*\* refused/);
    assert.match(refused.stderr, /^redfort: redis:\/\/127\.0\.0\.1:\d+: \*\*\* refused$/m);
    const inventory = join(dir, 'short-password.txt');
    await writeFile(inventory, `${dead}\n`);
    const fleet = await runCli(['audit', '--targets', inventory, '--summary-only', '--no-probe', '--no-host'], { env: { REDISCLI_AUTH: 'nnect' } });
    assert.match(fleet.stdout, /ERROR +redis:\/\/127\.0\.0\.1:\d+ +\*\*\* refused/);
    assert.equal(fleet.code, 2, fleet.stderr);
    const usage = await runCli(['audit', 'redis://u:p@127.0.0.1:1?x=y']);
    oneLineError(usage, /query strings and fragments are not \*\*\*$/);
    for (const run of [refused, fleet, usage]) {
      assert.doesNotMatch(`${run.stdout}${run.stderr}`, inside);
      assert.doesNotMatch(`${run.stdout}${run.stderr}`, /\bconn\b|nnect/);
    }
  });

  it('--quiet leaves out the per-target error lines without --targets too, as its help says: they are in the report', async () => {
    const dead2 = `redis://127.0.0.1:${await freePort()}`;
    const quiet = await runCli(['audit', '--no-host', '--no-probe', '--quiet', dead, dead2]);
    assert.equal(quiet.code, 2, quiet.stderr);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout.match(/ERROR connection refused/g)?.length, 2, quiet.stdout);
    const loud = await runCli(['audit', '--no-host', '--no-probe', dead, dead2]);
    assert.equal(loud.stderr.match(/^redfort: redis:\/\/127\.0\.0\.1:\d+: connection refused$/gm)?.length, 2, loud.stderr);
  });

  it('--output into a missing directory fails before the audit, naming the path', async () => {
    oneLineError(await runCli(['audit', dead, '--output', 'nosuchdir/x.txt']), /cannot write a report to 'nosuchdir\/x\.txt': the directory 'nosuchdir' does not exist$/);
    oneLineError(await runCli(['audit', dead, '--output', `json=${join(dir, 'a dir')}`]), /cannot write a report to '.*a dir': it is a directory$/);
  });

  it('--config, --acl and --sentinel-config that cannot be read are usage errors, live or not', async () => {
    oneLineError(await runCli(['audit', '--config', join(dir, 'none.conf')]), /none\.conf: cannot read the --config file: no such file$/);
    oneLineError(await runCli(['audit', '--config', dir]), /: cannot read the --config file: is a directory$/);
    oneLineError(await runCli(['audit', '--acl', join(dir, 'none.acl')]), /none\.acl: cannot read the --acl file: no such file$/);
    oneLineError(await runCli(['audit', '--sentinel-config', dir]), /cannot read the --sentinel-config file: is a directory$/);
    // Beside a live target it used to be skipped silently.
    oneLineError(await runCli(['audit', dead, '--config', join(dir, 'none.conf')]), /cannot read the --config file: no such file$/);
  });

  it('a config file given as a target is one line saying which flag takes it, in every command that connects', async () => {
    // Before: '/etc/redis/redis.conf' was 'invalid target … expected host, host:port or a redis:// URL', and a bare
    // 'redis.conf' was looked up in DNS ('host name not found') and audited as a dead server.
    const conf = join(dir, 'redis.conf');
    oneLineError(await runCli(['audit', conf]), /'.*redis\.conf' names a file, not a server: audit a config file with --config FILE/);
    oneLineError(await runCli(['audit', '-u', conf]), /names a file, not a server: audit a config file with --config FILE/);
    oneLineError(await runCli(['audit', 'redis.conf'], { cwd: dir }), /^redfort: 'redis\.conf' names a file, not a server/);
    oneLineError(await runCli(['harden', conf, '--out', join(dir, 'never-written')]), /names a file, not a server: harden a config file with --config FILE/);
    oneLineError(await runCli(['fix', '--plan', conf]), /names a file, not a server: a server is host, host:port or a redis:\/\/ URL$/);
    oneLineError(await runCli(['reboot-plan', conf]), /names a file, not a server/);
    // A bare name that is no file here, or a file whose name does not read as a config file, is still a host.
    const host = await runCli(['audit', 'no-such.conf', '--format', 'json'], { cwd: dir });
    assert.equal(host.code, 2);
    assert.match(host.stderr, /redis:\/\/no-such\.conf:6379: /);
    assert.doesNotMatch(host.stderr, /names a file/);
  });

  // A password file, a redis.conf or an ACL file given as --targets or --host-key: one line naming the file and line,
  // nothing of its content ('S3cr3t!pa$$word' as a plain line was a host to look up; --host-key quoted 'hunter2').
  it('a file of secrets given as --targets or --host-key: file:line, exit 2, nothing of it shown or looked up', async () => {
    const files: [string, string][] = [
      ['pw.txt', 'S3cr3t!pa$$word\n'],
      ['pw-underscore.txt', 'pw_S3cret\n'],
      ['env.txt', 'REDIS_PASSWORD=S3cret-env\n'],
      ['users.acl', 'user default on >S3cret-acl ~* +@all\n'],
      ['keep.conf', '# redis\nbind 127.0.0.1 -::1\nrequirepass S3cret-conf\n'],
    ];
    for (const [name, content] of files) {
      const file = join(dir, name);
      await writeFile(file, content);
      const line = content.startsWith('#') ? 2 : 1;
      const run = await runCli(['audit', '--targets', file, '--no-probe', '--connect-timeout', '300']);
      oneLineError(run, new RegExp(`^redfort: ${file.replace(/[.]/g, '\\.')}:${line}: not a target URL, host or host:port \\(value not shown\\)$`));
      assert.equal(run.stdout, '');
      assert.doesNotMatch(run.stderr, /S3cr|pw_|REDIS_PASSWORD/);
    }
    for (const [name, content] of [...files, ['lone.txt', 'hunter2\n']] as const) {
      const file = join(dir, name);
      await writeFile(file, content);
      const run = await runCli(['audit', '--cluster', dead, '--host-key', file, '--no-probe']);
      assert.equal(run.code, 2, run.stderr);
      assert.doesNotMatch(run.stderr, /S3cr|pw_|REDIS_PASSWORD|hunter2|'user'|requirepass/);
      assert.match(run.stderr, /^redfort: .*:\d: expected '<host or host:port> <label>', got (?:one field|\d+ fields) \(value not shown\)\n$/);
    }
  });

  it('bad values: --redis-version, rules --format, an empty target', async () => {
    oneLineError(await runCli(['audit', '--config', join(dir, 'redis.conf'), '--redis-version', 'bogus']), /--redis-version must be a version such as 7\.2\.4/);
    // Only its start was checked: the audit then said 'the version the server reports cannot be read'.
    oneLineError(await runCli(['audit', '--config', join(dir, 'redis.conf'), '--redis-version', '7.2.4; x']), /--redis-version must be a version such as 7\.2\.4 or valkey-8\.0\.1, not '7\.2\.4; x'$/);
    // A bare major is no release: 6.0 and 6.2 differ (a 6.0 sentinel loads no ACL users), so it is refused, never assumed.
    for (const bare of ['6', '7']) oneLineError(await runCli(['audit', '--config', join(dir, 'redis.conf'), '--redis-version', bare]), new RegExp(`--redis-version must be a version such as 7\\.2\\.4 or valkey-8\\.0\\.1, not '${bare}'$`));
    // What parseVersion reads is taken whole (R5: 'valkey_8.0.1' was refused, and before that read as '_8.0.1').
    const read = { 'valkey-8.0.1': '8.0.1', 'redis 7.2.4': '7.2.4', 'v7.0.15': '7.0.15', ' 7.2 ': '7.2', '8.0-m01': '8.0-m01', 'redis v7.2.4': '7.2.4', valkey_8: '', 'valkey_8.0.1': '8.0.1', 'Redis  7.2': '7.2' };
    for (const [version, shown] of Object.entries(read)) {
      const run = await runCli(['audit', '--config', join(dir, 'redis.conf'), '--redis-version', version, '--format', 'json', '--fail-on', 'none']);
      if (shown === '') {
        oneLineError(run, /--redis-version must be a version such as/);
        continue;
      }
      assert.equal(run.code, 0, `${version}: ${run.stderr}`);
      assert.equal(JSON.parse(run.stdout).targets[0].server.version, shown, version);
    }
    oneLineError(await runCli(['rules', '--format', 'bogus']), /--format must be text or json, not 'bogus'/);
    oneLineError(await runCli(['audit', '']), /an empty target/);
  });

  // Each quoted whole: a 100 KB --distro-package was a 200 KB error line (twice over), and one that parsed was copied
  // into every mention of the package in the report. What an error quotes of a value given is clipped (its start and
  // its length), and no Debian package declaration is longer than 200 characters.
  it('a value of 100 KB given to a flag is quoted by its start and length, never whole', async () => {
    const long = 'x'.repeat(100_000);
    const clipped = `${'x'.repeat(200)}… \\(100000 characters\\)`;
    const clipped1 = `${'x'.repeat(200)}… \\(100001 characters\\)`;
    const conf = ['audit', '--config', join(dir, 'redis.conf')];
    const runs: [string[], RegExp][] = [
      [[...conf, '--distro-package', `redis-server=5:7.0.15-${long}`], /^redfort: --distro-package: 'redis-server=5:7\.0\.15-x{178}… \(100022 characters\)' is not a package declaration: no Debian package name and version is longer than 200 characters/],
      [[...conf, '--distro-package', `${long.toUpperCase()}=1`], /^redfort: --distro-package: 'X{200}… \(100002 characters\)' is not a package declaration/],
      [[...conf, '--sort', long], new RegExp(`--sort must be severity or checklist, not '${clipped}'$`)],
      [[...conf, '--jobs', long], new RegExp(`--jobs must be auto or a whole number from 1 to \\d+, not '${clipped}'$`)],
      [[...conf, '--target-timeout', long], new RegExp(`not '${clipped}'$`)],
      [[...conf, '--redis-version', long], new RegExp(`not '${clipped}'$`)],
      [[...conf, '--format', long], new RegExp(`unknown format '${clipped}'`)],
      [['explain', long], new RegExp(`unknown rule '${clipped}'`)],
      [['audit', `redis://${long}:6379`], /^redfort: invalid target 'redis:\/\/x{192}… \(100013 characters\)'/],
      [['audit', `--${long}`], /^redfort: unknown option '--x{198}… \(100002 characters\)'$/],
      // R32-2, R32-3: an all-digit host (quoted three times), harden's and fix's flags, --node-override.
      [['audit', '9'.repeat(100_000)], /all digits/],
      [['harden', '--config', join(dir, 'redis.conf'), '--out', join(dir, 'h-out'), '--user-prefix', `${long}!`], new RegExp(`--user-prefix '${clipped1}' may only`)],
      [['harden', '--config', join(dir, 'redis.conf'), '--out', join(dir, 'h-out'), '--bind', `${long}!`], new RegExp(`--bind '${clipped1}' is not an address`)],
      [['harden', '--config', join(dir, 'redis.conf'), '--out', join(dir, 'h-out'), '--redis-version', long], new RegExp(`--redis-version '${clipped}' is not a version`)],
      [['harden', '--config', join(dir, 'redis.conf'), '--out', join(dir, 'h-out'), '--tls-port', long], new RegExp(`--tls-port '${clipped}' is not a port`)],
      [['fix', 'redis://127.0.0.1:1', '--plan', '--user-prefix', `${long}!`], new RegExp(`--user-prefix '${clipped1}' may hold`)],
      [['audit', 'redis://127.0.0.1:1', '--sentinel', '--node-override', long], new RegExp(`--node-override '${clipped}' must be KEY=URL`)],
    ];
    for (const [args, pattern] of runs) {
      const run = await runCli(args);
      oneLineError(run, pattern);
      assert.ok(run.stderr.length < 1000, `${args.slice(-2, -1)}: ${run.stderr.length} characters on stderr`);
    }
  });

  it("commander's errors read like the others: prefixed, on one line", async () => {
    oneLineError(await runCli(['audit', '--formt', 'json']), /^redfort: unknown option '--formt' \(did you mean --format\?\)$/);
    oneLineError(await runCli(['audti']), /^redfort: unknown command 'audti' \(did you mean audit\?\)$/);
    oneLineError(await runCli(['audit', '--format']), /^redfort: option '-f, --format <formats>' argument missing$/);
  });

  it("a server's error is shown with its escape sequences made visible", async () => {
    const url = `redis://127.0.0.1:${hostile.port}`;
    const result = await runCli(['audit', url, '--no-probe']);
    assert.notEqual(result.code, 2, result.stderr);
    assert.match(result.stdout, /CONFIG GET failed: ERR \\u001b\[2J\\u001b\[31mpwned\\u001b\]0;title\\u0007/);
    assert.doesNotMatch(result.stderr + result.stdout, /[\x07\x1b]/);
  });

  it('rediss:// to a port that never answers the TLS handshake says so', async () => {
    const result = await runCli(['audit', `rediss://127.0.0.1:${silent.port}`, '--connect-timeout', '300', '--no-probe']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /connect timed out after 300 ms: the port accepted TCP but never answered the TLS handshake \(a plain-text port\? use redis:\/\/\)/);
  });

  it('the rules list keeps its columns aligned', async () => {
    const result = await runCli(['rules']);
    assert.equal(result.code, 0, result.stderr);
    const titles = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => /^\S+ +\S+ +.+? {2}(?=\S)/.exec(l)![0].length);
    assert.equal(new Set(titles).size, 1, result.stdout);
  });

  it('help: examples, exit codes and unquoted defaults', async () => {
    const audit = await runCli(['audit', '--help']);
    assert.equal(audit.code, 0);
    assert.match(audit.stdout, /\nExamples:\n {2}REDISCLI_AUTH=secret redfort audit /);
    assert.match(audit.stdout, /Exit codes: 0 /);
    assert.match(audit.stdout, /\(default: 3000\)/);
    assert.doesNotMatch(audit.stdout, /default: "/);
    for (const line of audit.stdout.split('\n')) assert.ok(line.length <= 80, line);
    // README's Fix section names --user-prefix; fix --help hid it.
    const fix = await runCli(['fix', '--help']);
    assert.match(fix.stdout, /\n {2}--user-prefix <prefix> +prefix of the generated user names/);
    for (const line of fix.stdout.split('\n')) assert.ok(line.length <= 80, line);
    // --local audits every process SERVER_NAMES names (src/gather/host/proc.ts); its help and the README left out
    // valkey-sentinel.
    const local = /--local +([\s\S]*?)\n {2}--/.exec(audit.stdout)?.[1]?.replace(/\s+/g, ' ') ?? '';
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    const inReadme = /`redfort audit --local` audits every ([^(]*) process of the machine/.exec(readme)?.[1] ?? '';
    for (const name of SERVER_NAMES) {
      assert.match(local, new RegExp(`\\b${name}\\b`), `audit --help --local: ${local}`);
      assert.match(inReadme, new RegExp(`\\b${name}\\b`), `README --local: ${inReadme}`);
    }
    const plan = await runCli(['reboot-plan', '--help']);
    assert.match(plan.stdout, /Examples:[\s\S]*Exit codes: 0 a safe plan/);
    assert.match((await runCli(['--help'])).stdout, /Examples:\n {2}redfort audit redis:\/\/127\.0\.0\.1:6379/);
  });

  // INFO is the server's to write: a hostile one's redis_version of a megabyte with terminal escapes was printed whole
  // in the text header and JSON's server.version (and quoted by version.end-of-life).
  it("shows a server's version only when it is one: else 'unreadable', in text and JSON", async () => {
    const junk = `7.0.15\u001b[2J${'x'.repeat(1_000_000)}`;
    const info = `# Server\r\nredis_version:${junk}\r\nredis_mode:standalone\r\n# Replication\r\nrole:master\r\n`;
    const hostile = await startFakeServer((argv) => (argv[0]!.toUpperCase() === 'INFO' ? `$${Buffer.byteLength(info)}\r\n${info}\r\n` : '-ERR unknown command\r\n'));
    try {
      const url = `redis://127.0.0.1:${hostile.port}`;
      const json = await runCli(['audit', url, '--format', 'json', '--no-probe', '--fail-on', 'none']);
      assert.equal(json.code, 0, json.stderr);
      const target = JSON.parse(json.stdout).targets[0];
      assert.deepEqual(target.server, { product: 'redis', version: 'unreadable', mode: 'standalone' });
      assert.ok(json.stdout.length < 100_000 && !json.stdout.includes('\\u001b'), `${json.stdout.length} characters`);
      const eol = target.results.find((r: { ruleId: string }) => r.ruleId === 'version.end-of-life');
      assert.match(eol.message, /^the version the server reports cannot be read \(1000010 characters/);
      const text = await runCli(['audit', url, '--no-probe', '--fail-on', 'none']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /\(redis unreadable, standalone\)/);
      assert.ok(text.stdout.length < 100_000 && !text.stdout.includes('\u001b[2J'), `${text.stdout.length} characters`);
    } finally {
      await hostile.close();
    }
  });
});
