import type { DetectorId } from '../../src/sample/detectors.ts';

/**
 * A labelled keyspace for measuring the sampler: real-looking personal data and secrets in every data type, hashed
 * and encrypted values, and ordinary application data. Keys of one group share a word prefix (`g-card-json:*`) and
 * one truth (the detectors that must fire on them), so that the sampler's per-pattern counts give the confusion
 * figures without ever naming a key. Seeded: the same keyspace every run.
 */

export interface Group {
  /** The key pattern the sampler reports for the group (the prefix word, then masked parts). */
  readonly prefix: string;
  readonly truth: readonly DetectorId[];
  /** True for groups whose values are ciphertext (counted as encrypted evidence). */
  readonly encrypted?: boolean;
  /** Write commands for instance `i`, with the key name and the values planted in it. */
  readonly make: (i: number, r: Random) => { key: string; commands: string[][]; planted: string[] };
}

export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    // mulberry32
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i += 1) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }
  digits(n: number): string {
    return this.chars('0123456789', n);
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i += 1) b[i] = this.int(0, 255);
    return b;
  }
  uuid(): string {
    const h = this.chars('0123456789abcdef', 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

const FIRST = ['alice', 'bob', 'carol', 'dmitri', 'eun-ji', 'fatima', 'giulia', 'hiro', 'ines', 'jamal', 'kofi', 'lena'];
const LAST = ['smith', 'garcia', 'muller', 'rossi', 'tanaka', 'okafor', 'nguyen', 'kowalski', 'silva', 'haddad'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.co.uk'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export const fake = {
  email: (r: Random) => `${r.pick(FIRST)}.${r.pick(LAST)}${r.int(1, 99)}@${r.pick(DOMAINS)}`,
  phone: (r: Random) => r.pick([() => `+1415${r.digits(7)}`, () => `+44 20 ${r.digits(4)} ${r.digits(4)}`, () => `+4917${r.digits(9)}`, () => `+33${r.int(1, 9)}${r.digits(8)}`])(),
  card: (r: Random, separator = '') => {
    const [prefix, length] = r.pick([['4', 16], ['51', 16], ['37', 15], ['6011', 16], ['4', 13]] as const);
    const body = prefix + r.digits(length - prefix.length - 1);
    const digits = body + luhnDigit(body);
    return separator === '' ? digits : (digits.match(/.{1,4}/g) as string[]).join(separator);
  },
  iban: (r: Random, spaced = false) => {
    const bban = r.digits(18);
    const numeric = `${bban}1314` + '00'; // D=13, E=14
    let rem = 0;
    for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
    const iban = `DE${String(98 - rem).padStart(2, '0')}${bban}`;
    return spaced ? (iban.match(/.{1,4}/g) as string[]).join(' ') : iban;
  },
  ssn: (r: Random) => `${String(r.int(1, 665)).padStart(3, '0')}-${String(r.int(1, 99)).padStart(2, '0')}-${String(r.int(1, 9999)).padStart(4, '0')}`,
  aws: (r: Random) => `${r.pick(['AKIA', 'ASIA'])}${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
  awsSecret: (r: Random) => r.chars(B64, 40),
  pem: (r: Random) => `-----BEGIN ${r.pick(['RSA ', 'EC ', ''])}PRIVATE KEY-----\n${r.chars(B64, 64)}\n${r.chars(B64, 64)}\n-----END PRIVATE KEY-----\n`,
  jwt: (r: Random) =>
    `${b64url(JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: String(r.int(1, 1e6)), iat: 1_700_000_000 + r.int(0, 1e7) }))}.${r.chars(B64URL, 43)}`,
  password: (r: Random) => r.pick([() => `${r.pick(WORDS)}${r.int(10, 9999)}!${r.pick(['A', 'Z', 'Q'])}`, () => `${r.pick(FIRST)}-${r.pick(LAST)}-${r.digits(3)}`, () => r.chars('abcdefghjkmnpqrstuvwxyzABCDEFGH23456789!@#', 14)])(),
  bcrypt: (r: Random) => `$2b$12$${r.chars('./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 53)}`,
  argon2: (r: Random) => `$argon2id$v=19$m=65536,t=3,p=4$${r.chars(B64.slice(0, 62), 22)}$${r.chars(B64.slice(0, 62), 43)}`,
  sha256: (r: Random) => r.chars('0123456789abcdef', 64),
  vault: (r: Random) => `vault:v1:${r.bytes(48).toString('base64')}`,
  fernet: (r: Random) => Buffer.concat([Buffer.from([0x80]), r.bytes(72)]).toString('base64url'),
  awsEsdk: (r: Random) => Buffer.concat([Buffer.from([0x01, 0x80]), r.bytes(120)]).toString('base64'),
  ciphertext: (r: Random) => r.bytes(r.int(40, 200)).toString('base64'),
  sentence: (r: Random, n = 12) => Array.from({ length: n }, () => r.pick(WORDS)).join(' '),
};

const iso = (r: Random) => new Date(1_700_000_000_000 + r.int(0, 1e10)).toISOString();

/** The groups: 30 keys each by default. */
export const GROUPS: readonly Group[] = [
  // --- plaintext secrets and personal data, in every type ---
  { prefix: 'g-pem', truth: ['private-key'], make: (i, r) => str(`g-pem:${r.uuid()}`, fake.pem(r)) },
  { prefix: 'g-pem-json', truth: ['private-key', 'secret-field'], make: (i, r) => str(`g-pem-json:${i}`, JSON.stringify({ kid: r.uuid(), private_key: fake.pem(r) })) },
  { prefix: 'g-aws', truth: ['aws-access-key'], make: (i, r) => hash(`g-aws:${i}`, { access_key_id: fake.aws(r), region: 'eu-west-1' }) },
  {
    prefix: 'g-gcp',
    truth: ['gcp-service-account', 'private-key', 'email', 'secret-field'],
    make: (i, r) => str(`g-gcp:${r.uuid()}`, JSON.stringify({ type: 'service_account', project_id: `proj-${i}`, private_key_id: r.chars('0123456789abcdef', 40), private_key: fake.pem(r), client_email: `svc-${i}@proj-${i}.iam.gserviceaccount.com` }, null, 2)),
  },
  { prefix: 'g-azure', truth: ['azure-storage-key'], make: (i, r) => str(`g-azure:${i}`, `DefaultEndpointsProtocol=https;AccountName=acct${i};AccountKey=${r.bytes(64).toString('base64')};EndpointSuffix=core.windows.net`) },
  { prefix: 'g-jwt', truth: ['jwt'], make: (i, r) => str(`g-jwt:${r.uuid()}`, fake.jwt(r)) },
  { prefix: 'g-session', truth: ['jwt', 'secret-field'], make: (i, r) => hash(`g-session:${r.uuid()}`, { access_token: fake.jwt(r), user_id: String(r.int(1, 1e6)), created: iso(r) }) },
  { prefix: 'g-card-json', truth: ['card-number'], make: (i, r) => str(`g-card-json:${100000 + i}`, JSON.stringify({ order: 100000 + i, amount: r.int(1, 999), pan: fake.card(r, r.pick(['', ' ', '-'])) })) },
  { prefix: 'g-card-list', truth: ['card-number'], make: (i, r) => list(`g-card-list:${i}`, [JSON.stringify({ sku: `SKU-${r.digits(5)}` }), `charged card ${fake.card(r, ' ')} for order ${r.digits(8)}`, iso(r)]) },
  { prefix: 'g-iban', truth: ['iban'], make: (i, r) => hash(`g-iban:${i}`, { holder: `${r.pick(FIRST)} ${r.pick(LAST)}`, iban: fake.iban(r, r.next() < 0.5), bic: 'DEUTDEFFXXX' }) },
  { prefix: 'g-email', truth: ['email'], make: (i, r) => str(`g-email:${i}`, fake.email(r)) },
  { prefix: 'g-email-set', truth: ['email'], make: (i, r) => set(`g-email-set:${i}`, [fake.email(r), fake.email(r), fake.email(r)]) },
  { prefix: 'g-phone', truth: ['phone'], make: (i, r) => zset(`g-phone:${i}`, [fake.phone(r), fake.phone(r)]) },
  { prefix: 'g-stream', truth: ['email', 'phone'], make: (i, r) => stream(`g-stream:${i}`, [{ event: 'signup', email: fake.email(r), phone: fake.phone(r) }]) },
  { prefix: 'g-ssn', truth: ['us-ssn'], make: (i, r) => str(`g-ssn:${i}`, JSON.stringify({ person: { name: `${r.pick(FIRST)} ${r.pick(LAST)}`, tax: { ssn: fake.ssn(r) } } })) },
  { prefix: 'g-password', truth: ['secret-field'], make: (i, r) => hash(`g-password:${i}`, { username: `${r.pick(FIRST)}${i}`, password: fake.password(r) }) },
  { prefix: 'g-cred', truth: ['secret-field'], make: (i, r) => str(`g-cred:${i}:password`, fake.password(r)) },
  { prefix: 'g-dsn', truth: ['secret-field'], make: (i, r) => str(`g-dsn:${i}`, `host=db${i}.internal&user=app&password=${fake.password(r)}&sslmode=require`) },
  { prefix: 'g-php', truth: ['secret-field'], make: (i, r) => { const p = fake.password(r); return str(`g-php:${i}`, `a:2:{s:4:"user";s:3:"app";s:8:"password";s:${Buffer.byteLength(p)}:"${p}";}`, [p]); } },
  {
    prefix: 'g-profile',
    truth: ['email', 'phone', 'secret-field'],
    make: (i, r) => str(`g-profile:${r.uuid()}`, JSON.stringify({ id: i, profile: { contact: { email: fake.email(r), phones: [fake.phone(r)] }, integrations: [{ name: 'crm', apiKey: r.chars(B64URL, 32) }] }, updated: iso(r) })),
  },
  { prefix: 'g-access-log', truth: ['jwt'], make: (i, r) => list(`g-access-log:${i}`, [`${iso(r)} GET /api/v1/orders/${r.digits(6)} 200 ${r.int(1, 900)}ms`, `${iso(r)} POST /api/v1/cart 201 headers={"Authorization": "Bearer ${fake.jwt(r)}"}`]) },
  { prefix: 'g-yaml', truth: ['secret-field'], make: (i, r) => str(`g-yaml:${r.uuid()}`, `database:\n  host: db${i}.internal\n  port: 5432\n  password: ${fake.password(r)}\ncache:\n  ttl: 300\n`) },
  { prefix: 'g-mailto', truth: ['email'], make: (i, r) => str(`g-mailto:${i}`, `<footer><p>${fake.sentence(r, 8)}</p><a href="mailto:${fake.email(r)}">Contact us</a></footer>`) },
  { prefix: 'g-env', truth: ['aws-access-key', 'secret-field'], make: (i, r) => str(`g-env:${i}`, `NODE_ENV=production\nAWS_ACCESS_KEY_ID=${fake.aws(r)}\nAWS_SECRET_ACCESS_KEY=${fake.awsSecret(r)}\nPORT=${r.int(3000, 9000)}\n`) },
  { prefix: 'g-cards-set', truth: ['card-number'], make: (i, r) => set(`g-cards-set:${i}`, [fake.card(r, '-'), fake.card(r)]) },
  // --- hashed and encrypted: no plaintext ---
  { prefix: 'n-bcrypt', truth: [], make: (i, r) => hash(`n-bcrypt:${i}`, { username: `user${i}`, password: fake.bcrypt(r) }) },
  { prefix: 'n-argon', truth: [], make: (i, r) => hash(`n-argon:${i}`, { password_hash: fake.argon2(r), password: fake.argon2(r) }) },
  { prefix: 'n-sha', truth: [], make: (i, r) => str(`n-sha:${i}:password`, fake.sha256(r)) },
  { prefix: 'n-vault', truth: [], encrypted: true, make: (i, r) => str(`n-vault:${r.uuid()}`, fake.vault(r)) },
  { prefix: 'n-fernet', truth: [], encrypted: true, make: (i, r) => str(`n-fernet:${i}`, fake.fernet(r)) },
  { prefix: 'n-esdk', truth: [], encrypted: true, make: (i, r) => str(`n-esdk:${i}`, fake.awsEsdk(r)) },
  { prefix: 'n-sealed', truth: [], encrypted: true, make: (i, r) => hash(`n-sealed:${i}`, { email: fake.vault(r), ssn: fake.fernet(r), card: fake.ciphertext(r) }) },
  { prefix: 'n-sealed-list', truth: [], encrypted: true, make: (i, r) => list(`n-sealed-list:${i}`, [fake.ciphertext(r), fake.ciphertext(r)]) },
  // --- ordinary application data ---
  { prefix: 'n-counter', truth: [], make: (i, r) => str(`n-counter:${i}`, String(r.int(0, 1e9))) },
  { prefix: 'n-html', truth: [], make: (i, r) => str(`n-html:${i}`, `<div class="card" id="p${i}"><h2>${fake.sentence(r, 3)}</h2><p>${fake.sentence(r, 20)}</p><span>€${r.int(1, 999)}.${r.digits(2)}</span></div>`) },
  { prefix: 'n-uuid', truth: [], make: (i, r) => set(`n-uuid:${i}`, [r.uuid(), r.uuid(), r.uuid()]) },
  { prefix: 'n-time', truth: [], make: (i, r) => list(`n-time:${i}`, [String(1_700_000_000_000 + r.int(0, 1e10)), iso(r), String(1_700_000_000 + r.int(0, 1e7))]) },
  { prefix: 'n-log', truth: [], make: (i, r) => list(`n-log:${i}`, [`${iso(r)} INFO request ${r.uuid()} took ${r.int(1, 900)} ms status=200 bytes=${r.int(100, 1e6)}`, `${iso(r)} WARN retry ${r.int(1, 5)}/5 for job ${r.digits(10)}`]) },
  { prefix: 'n-board', truth: [], make: (i, r) => zset(`n-board:${i}`, [String(r.int(1, 1e9)), String(r.int(1, 1e9)), `player-${r.digits(6)}`]) },
  { prefix: 'n-events', truth: [], make: (i, r) => stream(`n-events:${i}`, [{ type: 'click', x: String(r.int(0, 1920)), y: String(r.int(0, 1080)), ts: String(1_700_000_000_000 + r.int(0, 1e10)) }]) },
  { prefix: 'n-product', truth: [], make: (i, r) => str(`n-product:${i}`, JSON.stringify({ sku: `SKU-${r.digits(8)}`, ean: r.digits(13), price: r.int(100, 99999) / 100, tags: [r.pick(WORDS), r.pick(WORDS)], token_count: r.int(1, 5000), password_hash: fake.bcrypt(r) })) },
  { prefix: 'n-hex', truth: [], make: (i, r) => str(`n-hex:${i}`, r.chars('0123456789abcdef', 32)) },
  { prefix: 'n-text', truth: [], make: (i, r) => str(`n-text:${i}`, `${fake.sentence(r, 30)}. Call 0170 ${r.digits(7)} or visit example.com/${r.pick(WORDS)}.`) },
  { prefix: 'n-noise', truth: [], make: (i, r) => str(`n-noise:${i}`, r.chars('abcdefghijklmnopqrstuvwxyz0123456789 .,;:-_()', r.int(20, 300))) },
  { prefix: 'n-snowflake', truth: [], make: (i, r) => list(`n-snowflake:${i}`, [`1${r.digits(18)}`, `1${r.digits(18)}`, `${r.int(1, 9)}${r.digits(15)}`]) },
  { prefix: 'n-git', truth: [], make: (i, r) => hash(`n-git:${i}`, { commit: r.chars('0123456789abcdef', 40), author: `dev${i}`, message: fake.sentence(r, 6), date: iso(r) }) },
  { prefix: 'n-css', truth: [], make: (i, r) => str(`n-css:${i}`, `@media (max-width: ${r.int(300, 1200)}px) { .card-${i} { margin: ${r.int(0, 40)}px; color: #${r.chars('0123456789abcdef', 6)}; } } /* v${r.int(1, 9)}.${r.int(0, 30)}.${r.int(0, 99)} */`) },
  { prefix: 'n-geo', truth: [], make: (i, r) => hash(`n-geo:${i}`, { lat: (r.next() * 180 - 90).toFixed(6), lon: (r.next() * 360 - 180).toFixed(6), zip: r.digits(5), phone_ext: r.digits(4) }) },
  { prefix: 'n-version', truth: [], make: (i, r) => hash(`n-version:${i}`, { version: `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 99)}`, build: r.digits(16), commit: r.chars('0123456789abcdef', 40) }) },
];

function values(commands: string[][]): string[] {
  return commands.flatMap((c) => c.slice(2)).filter((v) => v.length >= 6);
}

function str(key: string, value: string, planted: string[] = []) {
  const commands = [['SET', key, value]];
  return { key, commands, planted: [...values(commands), ...planted] };
}
function hash(key: string, fields: Record<string, string>) {
  const commands = [['HSET', key, ...Object.entries(fields).flat()]];
  return { key, commands, planted: Object.values(fields).filter((v) => v.length >= 6) };
}
function list(key: string, items: string[]) {
  const commands = [['RPUSH', key, ...items]];
  return { key, commands, planted: values(commands) };
}
function set(key: string, items: string[]) {
  const commands = [['SADD', key, ...items]];
  return { key, commands, planted: values(commands) };
}
function zset(key: string, items: string[]) {
  const commands = [['ZADD', key, ...items.flatMap((m, i) => [String(i), m])]];
  return { key, commands, planted: items.filter((v) => v.length >= 6) };
}
function stream(key: string, entries: Record<string, string>[]) {
  const commands = entries.map((e) => ['XADD', key, '*', ...Object.entries(e).flat()]);
  return { key, commands, planted: entries.flatMap((e) => Object.values(e)).filter((v) => v.length >= 6) };
}

export interface Keyspace {
  readonly commands: string[][];
  /** Every key name and every planted sensitive value: none may appear in any output. */
  readonly keys: string[];
  readonly planted: string[];
  /** Keys per group prefix. */
  readonly sizes: Map<string, number>;
}

export function generate(perGroup = 30, seed = 16): Keyspace {
  const r = new Random(seed);
  const commands: string[][] = [];
  const keys: string[] = [];
  const planted: string[] = [];
  const sizes = new Map<string, number>();
  for (const group of GROUPS) {
    for (let i = 0; i < perGroup; i += 1) {
      const made = group.make(i, r);
      commands.push(...made.commands);
      keys.push(made.key);
      // The sensitive values only: what a report must never show (ciphertext and noise are not secrets).
      if (group.truth.length > 0) planted.push(...made.planted);
    }
    sizes.set(group.prefix, perGroup);
  }
  // Constants shared by every key of a group (`eu-west-1`, `signup`) are not planted data: only values of one key are.
  const counts = new Map<string, number>();
  for (const v of planted) counts.set(v, (counts.get(v) ?? 0) + 1);
  return { commands, keys, planted: planted.filter((v) => counts.get(v) === 1), sizes };
}
