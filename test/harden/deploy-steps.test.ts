import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

// QA38-2: PLAN.md's deploy step 3 said to install host/logrotate.d/* whatever harden wrote: a log the package's own
// rule rotates (/var/log/redis/redis-server-*.log for another instance), or no log file at all, gets no logrotate
// file, and a copied `install host/logrotate.d/* /etc/logrotate.d` failed.
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

const deployStep = (plan: string): string => plan.split('\n').find((l) => l.startsWith('3. Run `sh host/permissions.sh`'))!;

describe("PLAN.md's deploy steps name the logrotate file only when harden wrote one", () => {
  const cases: [string, string, string | undefined][] = [
    ["a log the package's rule rotates", 'logfile /var/log/redis/redis-server-extra.log\n', undefined],
    ['the log on standard output', 'logfile ""\ndaemonize no\n', undefined],
    ['a log of its own', `logfile ${join(work, 'logs', 'own.log')}\n`, 'host/logrotate.d/redis-server-6390'],
  ];
  for (const [name, lines, file] of cases) {
    it(name, async () => {
      const conf = join(work, `${name.replace(/[^a-z]/g, '')}.conf`);
      writeFileSync(conf, `port 6390\n${lines}`);
      const out = join(work, `out-${name.replace(/[^a-z]/g, '')}`);
      const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
      assert.notEqual(run.code, 2, run.stderr);
      const step = deployStep(readFileSync(join(out, 'PLAN.md'), 'utf8'));
      if (file === undefined) {
        assert.equal(existsSync(join(out, 'host', 'logrotate.d')), false);
        assert.doesNotMatch(step, /logrotate/, step);
      } else {
        assert.equal(existsSync(join(out, file)), true);
        assert.ok(step.endsWith(`; install \`${file}\` in /etc/logrotate.d.`), step);
      }
    });
  }
});
