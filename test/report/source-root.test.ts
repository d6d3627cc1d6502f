import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repositoryRoot } from '../../src/util/repository-root.ts';
import { build, runCli } from './cli-run.ts';

// QA41-106: SARIF's %SRCROOT% was the folder redfort ran in. A monorepo's CI step runs in a subdirectory
// (`working-directory: deploy`), and code scanning resolves a relative URI from the repository's root: every alert
// pointed at `redis/redis.conf`, a file the repository does not have (it is deploy/redis/redis.conf). The text,
// JUnit and Markdown reports printed the runner's absolute path. No server is needed: a file-only audit.

interface SarifLog {
  runs: {
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } } }[]; partialFingerprints: Record<string, string> }[];
  }[];
}

describe('the repository root of the reports (QA41-106)', () => {
  let repo: string;
  let deploy: string;
  const audit = ['audit', '--config', 'redis/redis.conf', '--redis-version', '7.2.6', '--fail-on', 'none'];

  before(async () => {
    await build();
    repo = mkdtempSync(join(tmpdir(), 'redfort-srcroot-'));
    mkdirSync(join(repo, '.git'));
    deploy = join(repo, 'deploy');
    mkdirSync(join(deploy, 'redis'), { recursive: true });
    writeFileSync(join(deploy, 'redis', 'redis.conf'), 'port 6379\nbind 0.0.0.0\nprotected-mode no\n');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('is the nearest folder with .git (a folder, or the file of a worktree), found without git; none outside a checkout', () => {
    assert.equal(repositoryRoot(join(deploy, 'redis')), repo);
    assert.equal(repositoryRoot(repo), repo);
    const worktree = join(repo, 'deploy', 'wt');
    mkdirSync(join(worktree, 'sub'), { recursive: true });
    writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere/.git/worktrees/wt\n');
    assert.equal(repositoryRoot(join(worktree, 'sub')), worktree);
    rmSync(worktree, { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'redfort-nogit-'));
    try {
      // /tmp is in no checkout on a CI runner or here.
      assert.equal(repositoryRoot(outside), repositoryRoot(tmpdir()));
    } finally {
      rmSync(outside, { recursive: true });
    }
  });

  it('run from a subdirectory: SARIF locates the file from the repository root; the other reports name it as given', async () => {
    const sarif = await runCli([...audit, '--format', 'sarif'], { cwd: deploy });
    assert.equal(sarif.code, 0, sarif.stderr);
    const run = (JSON.parse(sarif.stdout) as SarifLog).runs[0]!;
    assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: `file://${repo}/` } });
    const located = run.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation).filter((a) => a.uriBaseId !== undefined);
    assert.ok(located.length > 0);
    for (const artifact of located) assert.deepEqual(artifact, { uri: 'deploy/redis/redis.conf', uriBaseId: '%SRCROOT%' });

    // --source-root, as CodeQL names it, says where the root is; the fingerprints stay what they were (from the
    // folder redfort ran in), so that baselines written before still match.
    const given = await runCli([...audit, '--format', 'sarif', '--source-root', '.'], { cwd: deploy });
    const givenRun = (JSON.parse(given.stdout) as SarifLog).runs[0]!;
    assert.deepEqual(givenRun.originalUriBaseIds, { '%SRCROOT%': { uri: `file://${deploy}/` } });
    assert.equal(givenRun.results.find((r) => r.locations[0]!.physicalLocation.artifactLocation.uriBaseId)!.locations[0]!.physicalLocation.artifactLocation.uri, 'redis/redis.conf');
    assert.deepEqual(givenRun.results.map((r) => r.partialFingerprints), run.results.map((r) => r.partialFingerprints));

    for (const format of ['text', 'junit', 'markdown', 'html']) {
      const report = await runCli([...audit, '--format', format], { cwd: deploy });
      assert.equal(report.code, 0, report.stderr);
      assert.match(report.stdout, /at (?:<code>|`)?redis\/redis\.conf:3\b/, format);
      assert.doesNotMatch(report.stdout, new RegExp(`${repo}/deploy/redis`), `${format} names the runner's absolute path`);
    }
    // A file outside the repository keeps its absolute path; from the repository's root a file below it is as given.
    const elsewhere = mkdtempSync(join(tmpdir(), 'redfort-srcroot-out-'));
    try {
      writeFileSync(join(elsewhere, 'other.conf'), 'protected-mode no\n');
      const text = await runCli(['audit', '--config', join(elsewhere, 'other.conf'), '--redis-version', '7.2.6', '--fail-on', 'none'], { cwd: deploy });
      assert.match(text.stdout, new RegExp(`at ${join(elsewhere, 'other.conf')}:1`));
    } finally {
      rmSync(elsewhere, { recursive: true });
    }
    const fromTop = await runCli(['audit', '--config', 'deploy/redis/redis.conf', '--redis-version', '7.2.6', '--fail-on', 'none'], { cwd: repo });
    assert.match(fromTop.stdout, /at deploy\/redis\/redis\.conf:3\b/);
  });

  it('--source-root that is no folder: one line, exit 2; named twice: a usage error', async () => {
    const missing = await runCli([...audit, '--source-root', 'nope'], { cwd: deploy });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'redfort: --source-root nope: no such folder\n');
    const file = await runCli([...audit, '--source-root', 'redis/redis.conf'], { cwd: deploy });
    assert.equal(file.stderr, 'redfort: --source-root redis/redis.conf: not a folder\n');
    const twice = await runCli([...audit, '--source-root', '.', '--source-root', '..'], { cwd: deploy });
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /^redfort: .*--source-root/);
  });
});
