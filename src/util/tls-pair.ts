import { nodeCrypto } from './builtin.ts';

/**
 * What keeps a PEM certificate and private key from serving together, before OpenSSL says it in its own words
 * (`key values mismatch`, `bad base64 decode`, `DECODER routines::unsupported`): `certificate` or `key` when that
 * one cannot be read, `mismatch` when the key is not the certificate's; undefined when they go together.
 */
export function certKeyProblem(cert: string | Buffer, key: string | Buffer): 'certificate' | 'key' | 'mismatch' | undefined {
  const crypto = nodeCrypto();
  let certificate: import('node:crypto').X509Certificate;
  try {
    certificate = new crypto.X509Certificate(cert);
  } catch {
    return 'certificate';
  }
  let privateKey: import('node:crypto').KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch {
    // An encrypted key (a server's, with tls-key-file-pass) cannot be judged without its passphrase.
    const text = typeof key === 'string' ? key : key.toString('latin1');
    return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(text) ? undefined : 'key';
  }
  return certificate.checkPrivateKey(privateKey) ? undefined : 'mismatch';
}

/** The one line for a {@link certKeyProblem}, naming the files as the user gave them (`the --cert file 'a.crt'`). */
export function certKeyProblemText(problem: 'certificate' | 'key' | 'mismatch', certName: string, keyName: string): string {
  if (problem === 'certificate') return `${certName} holds a PEM certificate OpenSSL cannot read`;
  if (problem === 'key') return `${keyName} holds a PEM private key OpenSSL cannot read`;
  return `${certName} and ${keyName} do not match: the key is not the certificate's`;
}
