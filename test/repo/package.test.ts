import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The package as a user gets it: `import … from 'redfort'` through the exports map, with the emitted
// declarations, from a project of its own. The build comes from the test command (npm run build), not from here.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function consumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-consumer-'));
  mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/redfort'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'] } }),
  );
  return dir;
}

describe('the published package', () => {
  const dir = consumerProject();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is built (npm run build) with its declarations', () => {
    assert.ok(existsSync(join(ROOT, 'dist/index.mjs')), 'dist/index.mjs: run npm run build first');
    assert.ok(existsSync(join(ROOT, 'dist/types/index.d.ts')), 'dist/types/index.d.ts: run npm run build first');
  });

  it('type-checks a TypeScript consumer under strict nodenext, and a wrong use fails', () => {
    writeFileSync(
      join(dir, 'good.ts'),
      [
        "import { audit, auditTarget, BuildTables, runAudit, resolveTarget, RULES, REPORTERS, type AuditReport, type AuditRequest, type RuleResult, type TargetResult } from 'redfort';",
        "const target = resolveTarget('redis://127.0.0.1:1', {}, {});",
        'const request: AuditRequest = { targets: [target], options: { noProbe: true } };',
        'const report: AuditReport = await runAudit(request);',
        'const again: AuditReport = await audit([target]);',
        'const builds = new BuildTables();',
        'const one: TargetResult = await auditTarget(target, { buildTables: builds, noProbe: true });',
        'console.log(one.target);',
        'const first: RuleResult | undefined = report.targets[0]?.results[0];',
        "console.log(first?.ruleId, again.summary, RULES.length, typeof REPORTERS.get('json'));",
        '',
      ].join('\n'),
    );
    // One tsc run for both files (each run is seconds of CPU): every error it reports is bad.ts's, so good.ts
    // type-checks; and bad.ts's is there, so the declarations are real.
    writeFileSync(join(dir, 'bad.ts'), "import { runAudit } from 'redfort';\nconst n: number = runAudit;\n");
    let failed = false;
    try {
      execFileSync(process.execPath, [TSC, '-p', '.'], { cwd: dir, encoding: 'utf8' });
    } catch (e) {
      failed = true;
      const out = String((e as { stdout?: string }).stdout);
      assert.match(out, /^bad\.ts.*TS2322/m);
      const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
      assert.deepEqual(errors.filter((l) => !l.startsWith('bad.ts')), [], 'good.ts type-checks');
    }
    assert.ok(failed, 'a type error in the consumer is reported: the declarations are real');
    rmSync(join(dir, 'bad.ts'));
  });

  it('runs from a consumer through the exports map', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const r = await import('redfort'); console.log(Array.isArray(r.RULES), typeof r.runAudit, typeof r.BuildTables)"], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(out.trim(), 'true function function');
  });

  it('exports the error classes its functions throw, under their own names (QA43-51)', () => {
    // A caller tells a bad settings file, target, host-key map or rollback record from a failure of its own with
    // instanceof, and loggers print constructor.name: the minified bundle renamed the classes (`ve`, `Ia`).
    const script = [
      "const r = await import('redfort');",
      'const caught = async (f) => { try { await f(); } catch (e) { return e; } throw new Error("did not throw"); };',
      'const cases = [',
      "  ['SettingsError', await caught(() => r.loadSettings('/nonexistent/redfort.yaml', [])) ],",
      "  ['TargetError', await caught(() => r.resolveTarget('not a target at all', {}, {})) ],",
      "  ['HostKeyError', await caught(() => r.parseHostKey('a b c\\n', 'hk')) ],",
      "  ['RollbackFileError', await caught(() => r.readRollback('/nonexistent/rollback.json')) ],",
      '];',
      'console.log(JSON.stringify(cases.map(([name, e]) => [name, typeof r[name] === "function" && e instanceof r[name], e.constructor.name, e.name])));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    for (const [name, isInstance, constructorName, errorName] of JSON.parse(out) as [string, boolean, string, string][]) {
      assert.deepEqual([isInstance, constructorName, errorName], [true, name, name], name);
    }
  });

  it('runs from a CommonJS TypeScript consumer (require of the ES module, Node 20.19 and later; QA40-56)', () => {
    const cjs = mkdtempSync(join(tmpdir(), 'redfort-consumer-cjs-'));
    try {
      mkdirSync(join(cjs, 'node_modules/@types'), { recursive: true });
      symlinkSync(ROOT, join(cjs, 'node_modules/redfort'));
      symlinkSync(join(ROOT, 'node_modules/@types/node'), join(cjs, 'node_modules/@types/node'));
      writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'consumer-cjs', private: true }));
      writeFileSync(join(cjs, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, outDir: 'out', types: ['node'] } }));
      writeFileSync(join(cjs, 'main.ts'), "import { RULES, runAudit } from 'redfort';\nconsole.log(Array.isArray(RULES), typeof runAudit);\n");
      execFileSync(process.execPath, [TSC, '-p', '.'], { cwd: cjs, encoding: 'utf8' });
      assert.match(readFileSync(join(cjs, 'out/main.js'), 'utf8'), /require\("redfort"\)/, 'compiled to require()');
      const out = execFileSync(process.execPath, ['--no-warnings', 'out/main.js'], { cwd: cjs, encoding: 'utf8' });
      assert.equal(out.trim(), 'true function');
    } finally {
      rmSync(cjs, { recursive: true, force: true });
    }
  });

  it("type-checks a CommonJS consumer on TypeScript's classic settings (module commonjs, node10 resolution, no esModuleInterop; QA43-55)", () => {
    // The declarations imported node:tls and node:net by default import, which such a consumer refuses (TS1192).
    const cjs = mkdtempSync(join(tmpdir(), 'redfort-consumer-node10-'));
    try {
      mkdirSync(join(cjs, 'node_modules/@types'), { recursive: true });
      symlinkSync(ROOT, join(cjs, 'node_modules/redfort'));
      symlinkSync(join(ROOT, 'node_modules/@types/node'), join(cjs, 'node_modules/@types/node'));
      writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'consumer-node10', private: true }));
      writeFileSync(join(cjs, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', module: 'commonjs', moduleResolution: 'node10', strict: true, noEmit: true, types: ['node'] } }));
      writeFileSync(join(cjs, 'main.ts'), "import { RULES, resolveTarget, runAudit, type AuditReport } from 'redfort';\nexport async function f(): Promise<AuditReport> { return runAudit({ targets: [resolveTarget('redis://127.0.0.1:1', {}, {})] }); }\nconsole.log(RULES.length);\n");
      execFileSync(process.execPath, [TSC, '-p', '.'], { cwd: cjs, encoding: 'utf8' });
    } finally {
      rmSync(cjs, { recursive: true, force: true });
    }
  });

  it('runs its command as npm links it: node_modules/.bin/redfort, by its #! line', () => {
    const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { redfort: string } }).bin.redfort;
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(join('..', 'redfort', bin), join(dir, 'node_modules/.bin/redfort'));
    const command = join(dir, 'node_modules/.bin/redfort');
    assert.equal(execFileSync(command, ['--version'], { cwd: dir, encoding: 'utf8' }), `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    const rules = JSON.parse(execFileSync(command, ['rules', '--format', 'json'], { cwd: dir, encoding: 'utf8' })) as { id: string }[];
    assert.ok(rules.some((r) => r.id === 'auth.default-user-enabled'), 'the catalogue is listed');
  });

  it('packs without sources, source maps or tests', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [
      { files: { path: string }[]; unpackedSize: number },
    ];
    const paths = pack.files.map((f) => f.path);
    for (const must of ['bin/redfort.cjs', 'bin/redfort.mjs', 'dist/cli.cjs', 'dist/cli-worker.cjs', 'dist/pool-worker.mjs', 'dist/cli-main.cjs', 'dist/cli-main.cache', 'dist/cli-main.fleet.cache', 'dist/index.mjs', 'dist/types/index.d.ts', 'package.json', 'LICENSE', 'README.md']) {
      assert.ok(paths.includes(must), `${must} is packed`);
    }
    assert.deepEqual(paths.filter((p) => p.endsWith('.map') || p.startsWith('src/') || p.startsWith('test/')), []);
  });
});

describe('package-lock.json', () => {
  it("records package.json's own name, version, bin, engines and dependencies, so that npm install leaves a clone clean (QA40-51)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const root = lock.packages[''];
    assert.equal(lock.name, pkg.name);
    assert.equal(root.version, pkg.version);
    assert.deepEqual(root.bin, pkg.bin);
    assert.deepEqual(root.engines, pkg.engines);
    assert.deepEqual(root.dependencies, pkg.dependencies);
    assert.deepEqual(root.devDependencies, pkg.devDependencies);
    assert.equal(root.license, pkg.license);
  });
});
