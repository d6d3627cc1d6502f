import { readdir } from 'node:fs/promises';
import { readFileBytes } from '../../util/read-file.ts';
import { errnoOf, fsErrorText } from '../../util/fs-error.ts';
import net from 'node:net';
import { join } from 'node:path';
import type tls from 'node:tls';
import { TargetError } from '../../redis/target.ts';
import type { Target } from '../../redis/target.ts';

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
  if (settings.caFile !== undefined) ca.push(await readPem(settings.caFile, '--cacert', 'certificate'));
  if (settings.caDir !== undefined) ca.push(...(await readCaDir(settings.caDir)));
  // Giving `ca` replaces Node's bundled roots, as --cacert replaces OpenSSL's default store in redis-cli.
  if (ca.length > 0) options.ca = ca;
  if (settings.certFile !== undefined) options.cert = await readPem(settings.certFile, '--cert', 'certificate');
  if (settings.keyFile !== undefined) options.key = await readPem(settings.keyFile, '--key', 'private key');
  const servername = settings.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
  if (servername !== undefined) options.servername = servername;
  return options;
}

/**
 * A file of the command line; a --cacert or --cert must hold a PEM certificate: Node ignored a --cacert without
 * one, so the audit connected without verifying, with a warning that blamed the server's certificate (redis-cli
 * refuses such a file at the start). A --key must hold an unencrypted PEM private key, else OpenSSL's words at
 * connect time (`DECODER routines::unsupported`, `bad decrypt`) named neither the flag nor the file.
 */
async function readPem(path: string, flag: string, holds: 'certificate' | 'private key'): Promise<Buffer> {
  let content: Buffer;
  try {
    content = await readFileBytes(path);
  } catch (error) {
    throw new TargetError(`cannot read the ${flag} file '${path}': ${describeFsError(error)}`, { cause: error });
  }
  if (holds === 'certificate' && !content.includes('-----BEGIN CERTIFICATE-----')) throw new TargetError(`the ${flag} file '${path}' holds no PEM certificate`);
  if (holds === 'private key') {
    const text = content.toString('latin1');
    if (!PEM_PRIVATE_KEY.test(text)) throw new TargetError(`the ${flag} file '${path}' holds no PEM private key`);
    // PKCS#8 `ENCRYPTED PRIVATE KEY`, or the legacy `Proc-Type: 4,ENCRYPTED` header: redis-cli takes no passphrase either.
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(text)) {
      throw new TargetError(`the ${flag} file '${path}' holds an encrypted private key (redfort takes no passphrase)`);
    }
  }
  return content;
}

// PKCS#8, PKCS#1 (`RSA`), SEC1 (`EC`); an OpenSSH key (`OPENSSH PRIVATE KEY`) is not one OpenSSL reads.
const PEM_PRIVATE_KEY = /-----BEGIN (?!OPENSSH )(?:[A-Z0-9]+ )*PRIVATE KEY-----/;

async function readCaDir(dir: string): Promise<Buffer[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new TargetError(`cannot read the --cacertdir directory '${dir}': ${describeFsError(error)}`, {
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
  if (certs.length === 0) throw new TargetError(`the --cacertdir directory '${dir}' holds no PEM certificate`);
  return certs;
}

/** As `fsErrorText`, except that a missing --cacert/--cacertdir/--cert/--key reads as strerror words it (`no such file or directory`). */
function describeFsError(error: unknown): string {
  return errnoOf(error) === 'ENOENT' ? 'no such file or directory' : fsErrorText(error);
}
