import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { sha256Hex } from '../util/hash.ts';
import { wholeValueTemplate } from '../util/templates.ts';

let hashes: Set<string> | undefined;

/**
 * The SHA-256 of the passwords of a `redfort-secrets.env` that redfort's own repository held from 55c0baf to 6634dd3
 * (2026-12-06): a `redfort fix --apply` run from a checkout of those days reused them for the users it made (admin,
 * app, auditor, cache). They are public in the repository's history; only their hashes are kept here.
 */
const PUBLISHED = new Set([
  'c1ea5b7fa300eb2bdeca4744a896d226deb607d796bc5341df716afa32f348c5',
  '5bea406863a8d6c34fd2e01c5a09420003af02d975e741da2c404b5f9319dba6',
  '9a6e3a8ec769aa12ff38d9c927aab52360f41a09e9659b0f2b1bd0faf90ebe7e',
  '3ed4e5c0636db4a9b76d64df7e2aafd4c604228d2471529438d4151806753d4b',
]);

/** Whether a SHA-256 (hex) is that of a password redfort's own repository once published (see {@link PUBLISHED}). */
export function isPublishedPassword(sha256: string): boolean {
  return PUBLISHED.has(sha256);
}

/**
 * The example values of published templates, which configs copied from them keep as their live password (QA39-2:
 * `requirepass "YourStrongPassword"` in a widely used install script, `--requirepass your_strong_password_here` in
 * compose files): "your strong password here" in every spelling templates use (snake, kebab, Pascal, camel, upper,
 * run together; with `here`, `123`, `123!`, `!`), and the change-me family: some 2,000, hashed on first use. Long, so only a list knows them.
 */
function placeholderPasswords(): string[] {
  const phrases: string[][] = [];
  for (const who of [['your'], ['my'], []]) {
    for (const kind of [['strong'], ['secure'], ['secret'], ['redis'], []]) {
      for (const word of ['password', 'pass']) {
        const base = [...who, ...kind, word];
        // `password` alone and `redis password` are in the common list already; `pass` alone is too short to matter.
        if (base.length === 1) continue;
        phrases.push(base, [...base, 'here']);
      }
    }
  }
  for (const phrase of [['change', 'me'], ['change', 'it'], ['change', 'this'], ['replace', 'me'], ['please', 'change', 'me'], ['change', 'me', 'now'], ['password', 'here'], ['enter', 'password', 'here'], ['set', 'a', 'password']]) phrases.push(phrase);
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  const spellings = (words: readonly string[]): string[] => [
    words.join('_'), words.join('-'), words.join(''), words.join('_').toUpperCase(), words.join('-').toUpperCase(), words.join('').toUpperCase(),
    words.map(cap).join(''), words[0]! + words.slice(1).map(cap).join(''),
  ];
  const out = new Set<string>();
  for (const phrase of phrases) {
    for (const spelled of spellings(phrase)) {
      for (const suffix of ['', '123', '123!', '!']) out.add(`${spelled}${suffix}`);
    }
  }
  for (const bracketed of ['<password>', '<your_password>', '<your-password>', '<redis_password>', '<redis-password>', '<PASSWORD>', '<YOUR_PASSWORD>', '<REDIS_PASSWORD>', '[password]', '{password}', 'xxxxxxxx', 'XXXXXXXX', 'xxxxxxxxxxxxxxxx']) out.add(bracketed);
  // QA43-8: literal example passwords of charts and READMEs that deployments keep: redis-ha's _configs.tpl
  // (DandyDeveloper/charts: init.sh replaces them only when AUTH is set; its customConfig examples carry them), the
  // docker-compose tutorial's `--requirepass eYVX…` and the redis:alpine compose example's, bitnami/redis README's
  // replication example (REDIS_MASTER_PASSWORD=my_master_password, REDIS_PASSWORD=my_replica_password).
  for (const copied of ['replace-default-auth', 'replace-default-sentinel-auth', 'eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81', 'sOmE_sEcUrE_pAsS', 'my_master_password', 'my_replica_password']) out.add(copied);
  return [...out];
}

let placeholders: Set<string> | undefined;

/** Whether a SHA-256 (hex) is that of a template's placeholder password (see {@link placeholderPasswords}). */
export function isPlaceholderPassword(sha256: string): boolean {
  placeholders ??= new Set(placeholderPasswords().map(sha256Hex));
  return placeholders.has(sha256);
}

/**
 * Whether a SHA-256 (hex) is that of a bundled common password, a template's placeholder, or one redfort's
 * repository published; the list is hashed once, on first use.
 */
export function isCommonPassword(sha256: string): boolean {
  if (PUBLISHED.has(sha256) || isPlaceholderPassword(sha256)) return true;
  hashes ??= new Set(
    readFileSync(join(packageRoot(), 'data', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((p) => p !== '')
      .map(sha256Hex),
  );
  return hashes.has(sha256);
}

/** Environment variables and template values deployments name a Redis or Valkey password by. */
const SECRET_NAMES = [
  'REDIS_PASSWORD', 'REDIS_PASS', 'REDIS_PWD', 'REDIS_AUTH', 'REDIS_REQUIREPASS', 'REQUIREPASS', 'PASSWORD', 'REDIS_SECRET',
  'REDIS_MASTER_PASSWORD', 'REDIS_PRIMARY_PASSWORD', 'MASTER_PASSWORD', 'MASTERAUTH', 'REDIS_MASTERAUTH', 'REDIS_SENTINEL_PASSWORD',
  'SENTINEL_PASSWORD', 'REDIS_DEFAULT_PASSWORD', 'REDIS_ADMIN_PASSWORD', 'REDIS_USER_PASSWORD', 'REDIS_ACL_PASSWORD',
  'VALKEY_PASSWORD', 'VALKEY_PRIMARY_PASSWORD', 'CACHE_PASSWORD', 'AUTH_PASSWORD',
];

/**
 * Unrendered template expressions of a Redis password, as they reach a running server when nothing renders them
 * (QA43-9: a redis.conf with `requirepass ${REDIS_PASSWORD}` mounted by docker-compose, which expands its own file,
 * not the mounted one): `${REDIS_PASSWORD}`, `$REDIS_PASSWORD`, `@REDIS_PASSWORD@`, `%REDIS_PASSWORD%` of each name,
 * Jinja's `{{ redis_password }}`, Helm's `{{ .Values.auth.password }}`, ERB's `<%= @redis_password %>`. Only their
 * hashes are kept; whole values each ({@link wholeValueTemplate}).
 */
export function templatePasswords(): string[] {
  const out = new Set<string>();
  for (const name of SECRET_NAMES) {
    const lower = name.toLowerCase();
    for (const v of [`\${${name}}`, `$${name}`, `@${name}@`, `%${name}%`, `%${lower}%`, `{{ ${lower} }}`, `{{${lower}}}`, `{{ .Values.${lower} }}`, `<%= @${lower} %>`, `<%= ENV['${name}'] %>`]) out.add(v);
  }
  for (const path of ['password', 'auth.password', 'redis.password', 'redisPassword', 'global.redis.password', 'auth.redisPassword', 'secrets.redisPassword', 'redis.auth.password']) {
    out.add(`{{ .Values.${path} }}`);
    out.add(`{{.Values.${path}}}`);
  }
  return [...out];
}

let templates: Map<string, string> | undefined;

/** The template syntax (`${…}`) of a SHA-256 (hex) that is one of {@link templatePasswords}, else undefined. */
export function knownTemplatePassword(sha256: string): string | undefined {
  templates ??= new Map(templatePasswords().map((p) => [sha256Hex(p), wholeValueTemplate(p) ?? 'a template expression']));
  return templates.get(sha256);
}
