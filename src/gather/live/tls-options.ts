import { readdir } from 'node:fs/promises';
import { readFileBytes } from '../../util/read-file.ts';
import { errnoOf, fsErrorText } from '../../util/fs-error.ts';
import { loadBuiltin, nodeCrypto } from '../../util/builtin.ts';
import { certKeyProblem, certKeyProblemText } from '../../util/tls-pair.ts';
import * as net from 'node:net';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { TargetError } from '../../redis/target.ts';
import type { Target, TlsFileField, TlsSettings } from '../../redis/target.ts';

/**
 * Builds `tls.connect` options for a TLS target: reads the CA, certificate and key files,
 * turns `--insecure` into `rejectUnauthorized: false`, and sends SNI for host names (not IPs).
 *
 * @throws {TargetError} naming the file that cannot be read, or when the target does not use TLS.
 */
export async function tlsOptions(target: Target): Promise<tls.ConnectionOptions> {
  const settings = target.tls;
  if (!settings) throw new TargetError(`target '${target.display}' does not use TLS`);
  const options: tls.ConnectionOptions = { rejectUnauthorized: !settings.insecure };
  const ca: Buffer[] = [];
  if (settings.caFile !== undefined) ca.push(await readPem(settings, 'caFile', 'certificate'));
  if (settings.caDir !== undefined) ca.push(...(await readCaDir(settings)));
  // Giving `ca` replaces Node's bundled roots, as --cacert replaces OpenSSL's default store in redis-cli.
  if (ca.length > 0) options.ca = ca;
  if (settings.certFile !== undefined) options.cert = await readPem(settings, 'certFile', 'certificate');
  if (settings.keyFile !== undefined) options.key = await readPem(settings, 'keyFile', 'private key');
  checkTlsFiles(options, settings);
  const servername = settings.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
  if (servername !== undefined) options.servername = servername;
  return options;
}

const FLAGS: Readonly<Record<TlsFileField, string>> = { caFile: '--cacert', caDir: '--cacertdir', certFile: '--cert', keyFile: '--key' };

/**
 * How the messages name a TLS file: by its command-line flag (`the --cacert file '/ca.pem'`), or by the inventory key
 * that gave it, with its line (`the cacert file '/ca.pem' (fleet.yaml:7)`).
 */
function named(settings: TlsSettings, field: TlsFileField, noun: 'file' | 'directory' = 'file'): string {
  const from = settings.from?.[field];
  const path = settings[field]!;
  return from === undefined ? `the ${FLAGS[field]} ${noun} '${path}'` : `the ${from.key} ${noun} '${path}' (${from.at})`;
}

/**
 * A file of the command line (or of an inventory); a --cacert or --cert must hold a PEM certificate: Node ignored a --cacert without
 * one, so the audit connected without verifying, with a warning that blamed the server's certificate (redis-cli
 * refuses such a file at the start). A --key must hold an unencrypted PEM private key, else OpenSSL's words at
 * connect time (`DECODER routines::unsupported`, `bad decrypt`) named neither the flag nor the file.
 */
async function readPem(settings: TlsSettings, field: TlsFileField, holds: 'certificate' | 'private key'): Promise<Buffer> {
  const file = named(settings, field);
  let content: Buffer;
  try {
    content = await readFileBytes(settings[field]!);
  } catch (error) {
    throw new TargetError(`cannot read ${file}: ${describeFsError(error)}`, { cause: error });
  }
  if (holds === 'certificate' && !content.includes('-----BEGIN CERTIFICATE-----')) throw new TargetError(`${file} holds no PEM certificate`);
  if (holds === 'private key') {
    const text = content.toString('latin1');
    if (!PEM_PRIVATE_KEY.test(text)) throw new TargetError(`${file} holds no PEM private key`);
    // PKCS#8 `ENCRYPTED PRIVATE KEY`, or the legacy `Proc-Type: 4,ENCRYPTED` header: redis-cli takes no passphrase either.
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(text)) {
      throw new TargetError(`${file} holds an encrypted private key (redfort takes no passphrase)`);
    }
  }
  return content;
}

/**
 * Files already checked, by a digest of their names (the message names them) and contents (no private key is kept
 * as a key of this map): each distinct set once a run, not once a target.
 */
const checked = new Map<string, string | undefined>();

/**
 * What OpenSSL would refuse at connect time, said once with the files' names: a key that is not the certificate's
 * (OpenSSL: `key values mismatch`), a certificate, key or CA whose PEM body it cannot read (`bad base64 decode`,
 * `DECODER routines::unsupported`).
 *
 * @throws {TargetError} naming the file or files.
 */
function checkTlsFiles(options: tls.ConnectionOptions, settings: NonNullable<Target['tls']>): void {
  if (options.cert === undefined && options.key === undefined && options.ca === undefined) return;
  const digest = nodeCrypto().createHash('sha256');
  // The names as the messages give them: the same files from the command line and from an inventory differ.
  for (const field of ['caFile', 'caDir', 'certFile', 'keyFile'] as const) digest.update(`${settings[field] === undefined ? '' : named(settings, field)}\u0001`);
  for (const part of [options.ca, options.cert, options.key]) {
    for (const bytes of part === undefined ? [] : ([] as (string | Buffer)[]).concat(part as Buffer | Buffer[])) digest.update(bytes).update('\0');
    digest.update('\u0001');
  }
  const key = digest.digest('hex');
  if (!checked.has(key)) {
    if (checked.size >= 64) checked.clear();
    checked.set(key, tlsFilesProblem(options, settings));
  }
  const problem = checked.get(key);
  if (problem !== undefined) throw new TargetError(problem);
}

function tlsFilesProblem(options: tls.ConnectionOptions, settings: NonNullable<Target['tls']>): string | undefined {
  const { createSecureContext } = loadBuiltin<typeof tls>('node:tls');
  const crypto = nodeCrypto();
  // Node skips a CA it cannot parse without a word: the audit then connected unverified, blaming the server.
  if (settings.caFile !== undefined && Array.isArray(options.ca)) {
    const text = (options.ca[0] as Buffer).toString('latin1');
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
    const begun = text.split('-----BEGIN CERTIFICATE-----').length - 1;
    if (begun > blocks.length) return `${named(settings, 'caFile')} holds a PEM certificate cut short (no END line)`;
    for (const [i, block] of blocks.entries()) {
      try {
        new crypto.X509Certificate(block);
      } catch {
        return `${named(settings, 'caFile')} holds a PEM certificate OpenSSL cannot read (certificate ${i + 1} of ${blocks.length})`;
      }
    }
  }
  try {
    createSecureContext({ ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert } : {}), ...(options.key ? { key: options.key } : {}) });
    return undefined;
  } catch {
    // Which one: only on this path, so that a good set costs one context.
  }
  if (options.cert !== undefined && options.key !== undefined) {
    const problem = certKeyProblem(options.cert as Buffer, options.key as Buffer);
    if (problem !== undefined) return certKeyProblemText(problem, named(settings, 'certFile'), named(settings, 'keyFile'));
  }
  return `OpenSSL refuses the TLS files together (${[settings.caFile, settings.caDir, settings.certFile, settings.keyFile].filter((f) => f !== undefined).map((f) => `'${f}'`).join(', ')})`;
}

// PKCS#8, PKCS#1 (`RSA`), SEC1 (`EC`); an OpenSSH key (`OPENSSH PRIVATE KEY`) is not one OpenSSL reads.
const PEM_PRIVATE_KEY = /-----BEGIN (?!OPENSSH )(?:[A-Z0-9]+ )*PRIVATE KEY-----/;

async function readCaDir(settings: TlsSettings): Promise<Buffer[]> {
  const dir = settings.caDir!;
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new TargetError(`cannot read ${named(settings, 'caDir', 'directory')}: ${describeFsError(error)}`, {
      cause: error,
    });
  }
  // OpenSSL's hashed directories hold `<hash>.0` links next to the originals; any file with a
  // certificate in it is a CA for us (Node has no CApath), and duplicates do no harm.
  const certs: Buffer[] = [];
  for (const name of names) {
    const content = await readFileBytes(join(dir, name)).catch(() => undefined);
    if (content?.includes('-----BEGIN CERTIFICATE-----')) certs.push(content);
  }
  if (certs.length === 0) throw new TargetError(`${named(settings, 'caDir', 'directory')} holds no PEM certificate`);
  return certs;
}

/** As `fsErrorText`, except that a missing --cacert/--cacertdir/--cert/--key reads as strerror words it (`no such file or directory`). */
function describeFsError(error: unknown): string {
  return errnoOf(error) === 'ENOENT' ? 'no such file or directory' : fsErrorText(error);
}
