import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigParseError } from '../../src/gather/conf/redis-conf.ts';
import { refusedAlike, run, writeCase } from './listeners.ts';

// Directives no release of the tables has, next to the real servers: Redis 8 (live 8.0.6, 8.6.3; src/config.c
// loadServerConfigFromString) queues every unknown directive with a value as a module's config, checked once the file
// is read ("Module Configuration detected without loadmodule directive"), where 7.x and Valkey (9.1.2) queue only a
// `module.name` one and stop at any other ("Bad directive"); 8.6's built-in vector sets register
// `vset-force-single-threaded-execution` without a prefix, so 8.6.3 starts with it. redfort refused that line for
// every version ("unknown directive …: redis-server refuses to start"), and so Redis 8's redis-full.conf once its
// `search-*` or `ts-*` lines are set. Shared by test/conf/module-configs.test.ts (Debian's 7.0.15 live; the builds'
// recorded outcomes) and test/builds/module-configs.test.ts (the builds live). Unix socket only: no TCP port.

/** Snippet lines after `dir`, `save ""` and `logfile`; SOCK is a unix socket in the server's directory. */
export const CASES: readonly string[] = [
  'port 0\nunixsocket SOCK\nvset-force-single-threaded-execution yes',
  'port 0\nunixsocket SOCK\nbogus-directive yes',
  'port 0\nunixsocket SOCK\nbogusdirective',
  'port 0\nunixsocket SOCK\nmymodule.option 5',
];

export type Outcome = { readonly started: true } | { readonly started: false; readonly code: number | null; readonly said: string };
export type Recorded = Record<string, { readonly version: string; readonly outcomes: Record<string, Outcome> }>;

export const RECORDED_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'module-configs', 'builds.json');

export function recorded(): Recorded {
  return JSON.parse(readFileSync(RECORDED_PATH, 'utf8')) as Recorded;
}

const SAID = /Bad directive or wrong number of arguments|Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting/;

/** What the binary did with the snippet, its last words cut to the reason it gives. */
export async function outcomeOf(binary: string, work: string, conf: string): Promise<{ outcome: Outcome; path: string; dir: string; text: string }> {
  const { dir, path, text, socket } = await writeCase(work, conf);
  const raw = await run(binary, dir, [], { socket });
  const outcome: Outcome = raw.started ? raw : { ...raw, said: SAID.exec(raw.said)?.[0] ?? raw.said };
  return { outcome, path, dir, text };
}

/** The parser refuses the snippet exactly where the server does not start, for the server's reason. */
export function expectAgreement(version: string | undefined, text: string, outcome: Outcome, refusal: ConfigParseError | undefined): void {
  if (!refusedAlike(version, outcome, refusal) || !refusal) return;
  assert.ok(refusal.message.includes(/Module Configuration/.test(outcome.said) ? 'Module Configuration detected without loadmodule directive' : 'Bad directive or wrong number of arguments'), `${version}: ${outcome.said}; redfort: ${refusal.message}`);
  assert.ok(text.split('\n')[refusal.line - 1]!.startsWith(text.trim().split('\n').pop()!.split(' ')[0]!), refusal.message);
}
