import { dirname, isAbsolute, resolve } from 'node:path';
import type { ConfigMap, Source } from '../facts/types.ts';
import type { TlsFiles } from '../profile/index.ts';
import { clipped } from '../util/shown.ts';

/**
 * The TLS files a config already names (tls-cert-file, tls-key-file, tls-ca-cert-file), which harden uses as if
 * given with --tls-cert, --tls-key and --tls-ca when none of those is: QA36-1 left a server with its own certificate
 * failing the TLS rules, and PLAN.md saying "redfort has no certificate for this server".
 */
export interface OwnTls {
  /** Absolute: a relative value resolved as redis-server resolves it (see {@link ownTlsFiles}). */
  readonly files: TlsFiles;
  /** What set them, for PLAN.md: `/etc/redis/redis.conf:12` per directive, or `live (CONFIG GET)`. */
  readonly sources: { readonly cert: string; readonly key: string; readonly ca: string };
  /**
   * Whether harden reads the files (to check the key is the certificate's, and the trial loads them): a config file
   * given to harden, yes; a live server's, no: its paths are the server's word, which harden never follows to read.
   */
  readonly read: boolean;
  /** The directives whose value was relative, with the directory it was resolved against. */
  readonly resolved: readonly { readonly directive: string; readonly value: string; readonly against: string }[];
}

/** Why the config's own TLS files are not used (said in PLAN.md's "could not do", with what to run instead). */
export interface OwnTlsRefusal {
  readonly why: string;
}

const DIRECTIVES = { cert: 'tls-cert-file', key: 'tls-key-file', ca: 'tls-ca-cert-file' } as const;

function placeOf(source: Source | undefined): string {
  if (!source) return 'default';
  if (source.kind === 'file') return `${source.path}:${source.line}`;
  if (source.kind === 'live') return `live (${source.command})`;
  return source.kind;
}

function on(value: string | undefined): boolean {
  return value !== undefined && !['', '0', 'no'].includes(value);
}

/**
 * The config's own certificate, key and CA, or why they cannot stand for --tls-*; undefined when the config names
 * neither a certificate nor a key (then harden has no certificate, as before).
 *
 * `fc` is what harden edits (the config file's settings, or CONFIG GET's); `live` the running server's CONFIG GET when
 * harden's target is a live server. redis-server reads its TLS files once its config is read (tlsConfigure, from
 * initServer), after a `dir` line has chdir'ed it: a relative path is relative to `dir`, itself relative to the
 * directory it was started in (measured with 6.0.20, 7.0.15, 8.6.3, Valkey 9.1.2), which harden takes to be the
 * config file's, as its trial does. A live server's `dir` is CONFIG GET's, absolute.
 *
 * A live server's paths are taken only when it uses TLS with those very files (CONFIG GET says so): the files are
 * then known to work where the server runs, and harden writes the directives naming them without reading them. A
 * server that names files but does not use TLS (no tls-port, tls-replication or tls-cluster) never loaded them.
 */
export function ownTlsFiles(fc: ConfigMap, options: { readonly confPath?: string; readonly live?: ConfigMap }): OwnTls | OwnTlsRefusal | undefined {
  const value = (name: string): string => fc.get(name)?.value ?? '';
  const [cert, key, ca] = [value(DIRECTIVES.cert), value(DIRECTIVES.key), value(DIRECTIVES.ca)];
  if (cert === '' && key === '') return undefined;
  const shown = (name: string) => `${name} '${clipped(value(name), 120)}' (${placeOf(fc.get(name)?.source)})`;
  if (cert === '' || key === '') {
    const [has, lacks] = cert === '' ? [DIRECTIVES.key, DIRECTIVES.cert] : [DIRECTIVES.cert, DIRECTIVES.key];
    return { why: `the config names ${shown(has)} but no ${lacks}` };
  }
  if (ca === '') {
    const dir = value('tls-ca-cert-dir') !== '' ? ' (it has a tls-ca-cert-dir, which harden does not take: it sets tls-ca-cert-file)' : '';
    return { why: `the config names a certificate, ${shown(DIRECTIVES.cert)}, but no tls-ca-cert-file, the CA of the client certificates that tls-auth-clients yes asks for${dir}` };
  }
  let base: string;
  if (options.live) {
    const live = options.live;
    const uses = on(live.get('tls-port')?.value) || live.get('tls-replication')?.value === 'yes' || live.get('tls-cluster')?.value === 'yes';
    const asked = Object.values(DIRECTIVES).every((name) => live.get(name)?.source.kind === 'live');
    if (!asked) return { why: `the running server's ${Object.values(DIRECTIVES).join(', ')} are not known (CONFIG GET did not answer for them), so harden cannot tell the files the config names are the ones it uses` };
    if (!uses) return { why: `the server names ${shown(DIRECTIVES.cert)} but does not use TLS (no tls-port, tls-replication or tls-cluster), so it never loaded those files, and harden does not read a live server's files to check them` };
    const other = Object.values(DIRECTIVES).find((name) => live.get(name)!.value !== value(name));
    if (other !== undefined) return { why: `the running server uses another ${other} than its config file names (CONFIG GET '${clipped(live.get(other)!.value, 120)}', the file ${shown(other)}), and harden does not read a live server's files to check either` };
    base = live.get('dir')?.value ?? '';
    if (!isAbsolute(base) && [cert, key, ca].some((p) => !isAbsolute(p))) return { why: `${shown([DIRECTIVES.cert, DIRECTIVES.key, DIRECTIVES.ca].find((n) => !isAbsolute(value(n)))!)} is relative, and the server's directory (CONFIG GET dir) is not known` };
  } else {
    base = resolve(options.confPath ? dirname(resolve(options.confPath)) : '.', value('dir') || '.');
  }
  const resolved: { directive: string; value: string; against: string }[] = [];
  const absolute = (name: string): string => {
    const v = value(name);
    if (isAbsolute(v)) return v;
    resolved.push({ directive: name, value: v, against: base });
    return resolve(base, v);
  };
  return {
    files: { cert: absolute(DIRECTIVES.cert), key: absolute(DIRECTIVES.key), ca: absolute(DIRECTIVES.ca) },
    sources: { cert: placeOf(fc.get(DIRECTIVES.cert)?.source), key: placeOf(fc.get(DIRECTIVES.key)?.source), ca: placeOf(fc.get(DIRECTIVES.ca)?.source) },
    read: options.live === undefined,
    resolved,
  };
}

/** PLAN.md's note on the certificate harden used: the config's own, which files, from where, and whether it read them. */
export function ownTlsNote(own: OwnTls): string {
  const f = own.files;
  const named = `\`tls-cert-file ${f.cert}\` (${own.sources.cert}), \`tls-key-file ${f.key}\` (${own.sources.key}), \`tls-ca-cert-file ${f.ca}\` (${own.sources.ca})`;
  const relative = own.resolved.length > 0
    ? ` ${own.resolved.map((r) => `${r.directive} '${r.value}'`).join(', ')} ${own.resolved.length === 1 ? 'was' : 'were'} relative: resolved against ${own.resolved[0]!.against}, the server's \`dir\`, as redis-server does (it chdirs to \`dir\` before it loads them), and written absolute, so that they stay the same files wherever \`dir\` goes.`
    : '';
  if (own.read) {
    return `**TLS certificate: the config's own.** No --tls-cert/--tls-key/--tls-ca was given, so harden uses the files the config already names, as if given with them: ${named}. It read them (the key is the certificate's) and the trial start loaded them.${relative} Give --tls-cert, --tls-key and --tls-ca to use others.`;
  }
  return `**TLS certificate: the server's own, not read.** No --tls-cert/--tls-key/--tls-ca was given, so harden keeps the files the running server already uses (CONFIG GET), as if given with them: ${named}. Those paths are the server's word, and harden never follows a server's word to a path to read it: it did not read them, and the trial start ran without TLS (tls-port 0, tls-replication no, tls-cluster no) so that its server did not load them either. Check them before you deploy: the certificate and key must go together, the CA must sign your clients' certificates (tls-auth-clients yes now asks every client for one), and host/permissions.sh leaves their owner and mode alone (the key: mode 0640 or stricter, readable by the server's user).${relative} Give --tls-cert, --tls-key and --tls-ca to use files harden checks and loads.`;
}
