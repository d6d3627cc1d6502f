import { lookupDirective } from './directives.ts';
import { asciiLower } from '../util/ascii.ts';

/** Directives whose values are secrets: they go to `SecretMap`, never to `ConfigMap`. */
export const SECRET_DIRECTIVES: ReadonlySet<string> = new Set([
  'requirepass',
  'masterauth',
  'primaryauth',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
  'sentinel-pass',
]);

/**
 * Directives whose lines may hold a password: the {@link SECRET_DIRECTIVES}, `user app >pw` and `sentinel auth-pass m
 * pw`. As command-line options (`--user`, `--requirepass`, `--sentinel auth-pass`), their words are never shown.
 */
export const HOLDS_SECRETS: ReadonlySet<string> = new Set([...SECRET_DIRECTIVES, 'user', 'sentinel']);

/** A directive's canonical name: ASCII-lowercased (as `sdstolower`), an alias read as its directive (`primaryauth`). */
export function canonicalName(word: string): string {
  const lower = asciiLower(word);
  return lookupDirective(lower)?.name ?? lower;
}

/**
 * The word at `index` of a config line (its words as the loader splits them) masked with `mask` when it is secret,
 * else undefined: every argument of a {@link SECRET_DIRECTIVES} line (`requirepass`, `masterauth`/`primaryauth`, TLS
 * key passphrases); the password of `sentinel auth-pass <master> <pw>` and `sentinel sentinel-pass <pw>`; the
 * passwords and password hashes of a `user` line (`>pw`, `<pw`, `#hash`, `!hash`, also inside a selector `(>pw ~*)`
 * or a word holding several rules, `--user "bob on >pw"`), shown as their first character and the mask. The one rule
 * for every place that shows a config line: the diff of `redfort harden`, a process's command line.
 */
export function maskSecretWord(words: readonly string[], index: number, mask: string): string | undefined {
  if (index === 0 || index >= words.length) return undefined;
  const name = canonicalName(words[0] ?? '');
  const word = words[index]!;
  if (SECRET_DIRECTIVES.has(name)) return mask;
  if (name === 'user') {
    if (/^[<>#!]/.test(word)) return `${word[0]}${mask}`;
    const inner = word.replace(/(^|[\s(])([<>#!])[^\s)]*/g, (_m, before: string, sign: string) => `${before}${sign}${mask}`);
    return inner === word ? undefined : inner;
  }
  const sub = asciiLower(words[1] ?? '');
  if (name === 'sentinel' && ((sub === 'auth-pass' && index >= 3) || (sub === 'sentinel-pass' && index >= 2))) return mask;
  return undefined;
}

/**
 * What a config line (its words) gives a password in clear text with, as messages name it, if anything: a secret word
 * of {@link maskSecretWord}'s that is not empty (`requirepass`, `masterauth`, `sentinel auth-pass`, `sentinel
 * sentinel-pass`), or a `user` line with a `>pw` (alone or inside a word or selector: `user app`). A `#hash` is no
 * clear text.
 */
export function clearPasswordOf(words: readonly string[]): string | undefined {
  const name = canonicalName(words[0] ?? '');
  if (name === 'user') return words.slice(2).some((w) => /(^|[\s(])>[^\s)]/.test(w)) ? `user ${words[1] ?? ''}` : undefined;
  if (!words.some((w, i) => w !== '' && maskSecretWord(words, i, '***') !== undefined)) return undefined;
  return name === 'sentinel' ? `sentinel ${asciiLower(words[1] ?? '')}` : name;
}
