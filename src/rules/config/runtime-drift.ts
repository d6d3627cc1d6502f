import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { isAbsolute, normalize } from 'node:path';
import type { HostFacts, ServerIdentity } from '../../facts/types.ts';
import type { FileFacts } from '../../facts/conf.ts';
import { someReadLive } from '../../facts/live.ts';
import { missingReason } from '../../facts/keys.ts';
import { aclFileOf, pubsubDefault, userDifferences } from '../../acl/drift.ts';
import { defaultFor, existsIn, lookupDirective, resolveVersion, settableAtRunTime } from '../../redis/directives.ts';
import { configVersion, parseVersion } from '../../redis/version.ts';
import { replicationNames } from '../util.ts';
import { clipped } from '../../util/shown.ts';

/**
 * The directives given on the server's command line (`redis-server /etc/redis/redis.conf --daemonize no`), which
 * override the file, as the host stage read them (host.commandLine: from the process, else from its systemd unit when
 * that starts the server itself). Undefined when unknown.
 */
function commandLine(host: HostFacts | undefined): { names: ReadonlyMap<string, string>; from: string } | undefined {
  if (!host?.commandLine.known) return undefined;
  const names = new Map<string, string>();
  for (const option of host.commandLine.options) names.set(option.name, option.given.join(' '));
  return { names, from: host.commandLine.from };
}

/**
 * Settings whose file form and CONFIG GET form legitimately differ (paths resolved, defaults computed). Not
 * `dbfilename` (a bare name, stored and returned as written: the server refuses a path) nor `dir`, compared by
 * {@link dirDrift} (QA45-2: `CONFIG SET dir` / `dbfilename` never rewritten make the next start load another dataset).
 */
export const NOT_COMPARABLE = new Set(['logfile', 'pidfile', 'unixsocket', 'aclfile', 'cluster-config-file', 'appendfilename', 'appenddirname']);

/** Settings the server refuses to CONFIG SET with `enable-protected-configs no` (7.0+: PROTECTED_CONFIG in config.c). */
const PROTECTED = new Set(['dir', 'dbfilename']);

/**
 * Whether the files' `dir` and the running one (`CONFIG GET dir`: the server's getcwd(), absolute, symlinks
 * resolved) name different directories: undefined when they do not, or when that is not known (only relative `dir`
 * lines, resolved against a start directory redfort assumes); else what is not certain of it ('' when nothing).
 */
export function dirDrift(files: FileFacts, running: string): { readonly hedge: string } | undefined {
  const filed = files.config.get('dir');
  if (!filed || filed.source.kind !== 'file' || files.dirStartRelative || !isAbsolute(filed.value)) return undefined;
  const bare = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);
  if (bare(normalize(filed.value)) === bare(running)) return undefined;
  if (files.dirReal !== undefined) return files.dirReal === bare(running) ? undefined : { hedge: '' };
  return { hedge: ` (unless '${clipped(filed.value)}' is a symlink to it: not resolved, no such directory on this machine)` };
}

/**
 * Settings the files leave out whose running value is compared with the version's compiled default: a `CONFIG SET`
 * of one of these that was never rewritten is lost at the next start just the same. Only these: builds patch some
 * defaults (the Docker image's `protected-mode` and `bind`), and the server adjusts others at start (`maxclients` to
 * the descriptor limit), so a difference there says nothing of a lost CONFIG SET. Secrets: `requirepass` and
 * `masterauth` set at run time only (the server starts again without a password). Only when the server's command line
 * was read: else a left-out setting may be one of its options, which is no drift.
 */
export const DEFAULT_COMPARED = new Set(['appendonly', 'save', 'loglevel', 'timeout', 'maxmemory', 'maxmemory-policy', 'tls-auth-clients', 'acl-pubsub-default', 'masteruser']);
export const SECRET_DEFAULT_COMPARED = new Set(['requirepass', 'masterauth']);

/**
 * Security settings other rules judge whose running value, when the files leave them out and it differs from the
 * version's compiled default, is a CONFIG SET never rewritten or a build whose default differs (the Docker image
 * patches protected-mode and bind), or a command-line option when that could not be read: unknown, never "matches"
 * (QA45-13: an attacker's `CONFIG SET bind 0.0.0.0` / `protected-mode no` / `acllog-max-len 0` passed).
 */
export const DEFAULT_UNKNOWN = ['bind', 'protected-mode', 'acllog-max-len', 'port', 'replica-read-only', 'enable-protected-configs', 'enable-debug-command', 'enable-module-command', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-replication', 'tls-cluster'];

/** The compiled default of a setting on this server's version, when both are known. */
function versionDefault(name: string, server: ServerIdentity | undefined): string | undefined {
  if (parseVersion(server?.version)?.minor === undefined) return undefined;
  const spec = lookupDirective(name);
  const key = resolveVersion(server?.version).key;
  return spec && existsIn(spec, key) ? defaultFor(spec, key) : undefined;
}

/** The compiled default a setting the files leave out takes on this server's version, when both are known. */
export function compiledDefault(name: string, server: ServerIdentity | undefined): string | undefined {
  return DEFAULT_COMPARED.has(name) ? versionDefault(name, server) : undefined;
}

export default defineRule({
  id: 'config.runtime-drift',
  title: 'The running configuration matches the config file',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 7',
  sources: ['live', 'config'],
  remediation: 'Decide which value is right: write the running one to disk with `CONFIG REWRITE` (and `ACL SAVE` for users), or restore the file\'s with `CONFIG SET` / `ACL LOAD`; then change settings only through the file or through CONFIG SET + CONFIG REWRITE.',
  // `files` is not required: a file the running server's version refuses is judged too (`refusedFile`).
  requires: ['config'],
  check(facts) {
    const { files, refusedFile, config, secrets, acl, categories, sources, host, unavailable, server } = facts;
    if (!files && !refusedFile) return skip(missingReason(facts, 'files'));
    if (!sources.has('live')) return skip('judged only beside a live server: a file-only audit has no running values to compare');
    if (!someReadLive(config)) {
      return skip('the running configuration could not be read (a sentinel has no CONFIG; CONFIG may be renamed or denied), so there is nothing to compare the files with');
    }
    if (!files) {
      // The file on disk no longer starts this server: whatever runs now is lost with the next restart, which fails.
      const at = refusedFile!.source.kind === 'file' ? `${refusedFile!.source.path}:${refusedFile!.source.line}` : 'the config file';
      return fail([{
        message: `the config file no longer starts this server: ${at}: ${clipped(refusedFile!.value, 300)}; the next restart fails (the running configuration is not compared with the file)`,
        source: refusedFile!.source,
      }]);
    }
    const findings: Finding[] = [];
    // Differences that are not drift: a command-line option, or a setting CONFIG SET cannot change.
    const explained: string[] = [];
    const cmdline = commandLine(host);
    // Valkey 8's primaryauth / primaryuser are named as the file or the server names them.
    const names = replicationNames(server, files);
    const shown = (name: string): string => (name === 'masterauth' || name === 'masteruser' ? names[name] : name);
    // forEach, not `for (const [name, fact] of …)`: this loop runs once per setting of every target (some 200, most of
    // them compiled defaults skipped at once), in code that V8 mostly interprets, where each destructured entry made
    // an entry array, an array iterator and three iterator results: 8.5 MB of a 200-server run's 150 MB of garbage.
    files.config.forEach((fileFact, name) => {
      // Only with the command line read: a left-out setting may be one of its options (`docker run … --appendonly yes`).
      const unset = fileFact.source.kind === 'default' && cmdline ? compiledDefault(name, server) : undefined;
      if ((fileFact.source.kind !== 'file' && unset === undefined) || NOT_COMPARABLE.has(name)) return;
      const running = config.get(name);
      const filed = unset ?? fileFact.value;
      if (!running || running.source.kind !== 'live') return;
      const hedge = name === 'dir' ? dirDrift(files, running.value)?.hedge : running.value === filed ? undefined : '';
      if (hedge === undefined) return;
      const inFile = unset === undefined ? `'${clipped(filed)}' in the file` : `not set in the file (compiled default: '${clipped(filed)}')`;
      const given = cmdline?.names.get(name);
      if (given !== undefined) {
        explained.push(`${shown(name)} is '${clipped(running.value)}' (file: '${clipped(filed)}'): given on ${cmdline!.from} (${clipped(given)}), which overrides the file`);
        return;
      }
      if (!settableAtRunTime(name, server?.version ? resolveVersion(configVersion(server)).key : undefined)) {
        explained.push(`${shown(name)} is '${clipped(running.value)}' (file: '${clipped(filed)}'): CONFIG SET cannot change it, so the server was started with another value (a command-line option${cmdline ? '' : ' not seen here'}, or the file changed since the start: the file's value applies at the next restart)`);
        return;
      }
      const or = cmdline ? '' : ' (or a command-line option: the server\'s command line could not be read from here)';
      // 7.0+ refuses CONFIG SET dir / dbfilename unless enable-protected-configs lets the client: then the file changed.
      const refused = PROTECTED.has(name) && config.get('enable-protected-configs')?.value === 'no' && config.get('enable-protected-configs')?.source.kind === 'live';
      const data = PROTECTED.has(name) ? `: the next start loads its data from the file's, not from where the server saves now${hedge}` : hedge;
      const what = refused
        ? `the file changed since the server started (CONFIG SET ${name} is refused with enable-protected-configs no)${data}${or}`
        : `a CONFIG SET that was never rewritten, lost at the next restart${data}${or}`;
      findings.push({
        message: `${shown(name)} is '${clipped(running.value)}' at run time but ${inFile}: ${what}`,
        source: unset === undefined ? fileFact.source : files.source,
        evidence: [`running: ${clipped(running.value)}`, unset === undefined ? `file: ${clipped(filed)}` : `file: not set (compiled default of ${server?.version}: ${clipped(filed)})`],
      });
    });
    files.secrets.forEach((fileSecret, name) => {
      const running = secrets?.get(name);
      if (!running || running.source.kind !== 'live') return;
      if (cmdline && fileSecret.source.kind === 'default' && SECRET_DEFAULT_COMPARED.has(name) && running.value.set && !fileSecret.value.set) {
        if (cmdline.names.has(name)) {
          explained.push(`${shown(name)} is set at run time and not in the file: given on ${cmdline.from}, which overrides the file`);
          return;
        }
        findings.push({ message: `${shown(name)} is set at run time but not in the file: a CONFIG SET that was never rewritten, lost at the next restart, when the server starts without it (values not shown)`, source: files.source });
        return;
      }
      if (fileSecret.source.kind !== 'file') return;
      // Given on the command line, which overrides the file: compared with the option's digest when it was read.
      const option = cmdline?.names.get(name);
      if (option !== undefined) {
        const given = host?.commandLine.known && host.commandLine.secrets?.known ? host.commandLine.secrets.value.get(name) : undefined;
        if (given && (given.value.set !== running.value.set || given.value.sha256 !== running.value.sha256)) {
          findings.push({ message: `${shown(name)} differs between the running server and ${cmdline!.from} (${clipped(option)}), which overrides the file: a CONFIG SET that was never rewritten, lost at the next restart (values not shown)`, source: given.source });
        } else if (running.value.set !== fileSecret.value.set || running.value.sha256 !== fileSecret.value.sha256) {
          explained.push(`${shown(name)} differs from the file: given on ${cmdline!.from} (${clipped(option)}), which overrides the file`);
        }
        return;
      }
      if (running.value.sha256 !== fileSecret.value.sha256) {
        findings.push({ message: `${shown(name)} differs between the running server and the file (values not shown)`, source: fileSecret.source });
      }
    });
    // Users the files may not all give (an ACL file not read, --user options of a systemd unit): not compared.
    if (acl && acl.origin === 'acl-list' && files.users.length > 0 && !files.unread?.length) {
      // The file's users get the file's acl-pubsub-default at the next start; ACL LIST renders channels explicitly.
      const filePubsub = pubsubDefault(files.config.get('acl-pubsub-default')?.value, server);
      // The running value when CONFIG GET gave it; else the file's (a stand-in: read from the file itself, not as a running value).
      const livePubsub = config.get('acl-pubsub-default');
      const runningPubsub = pubsubDefault((livePubsub?.source.kind === 'live' ? livePubsub.value : undefined) ?? files.config.get('acl-pubsub-default')?.value, server);
      const onlyRunningOr = cmdline ? '' : ' (or a --user option: the server\'s command line could not be read from here)';
      // The running aclfile (a --aclfile option replaces the file's), else the files'.
      const aclfile = config.get('aclfile');
      const aclFile = aclFileOf(aclfile?.source.kind === 'live' ? aclfile.value : files.config.get('aclfile')?.value, files.users);
      findings.push(...userDifferences({ running: acl.users, written: files.users, categories, filePubsub, runningPubsub, filesSource: files.source, onlyRunningOr, ...(aclFile ? { aclFile } : {}) }));
    }
    // `--include extra.conf` on the command line: its settings (and users) override the file's, and redfort does not
    // read it. A difference may be its value, as the server will have again at the next start, not a lost CONFIG SET.
    const included = cmdline?.names.get('include');
    // Read when the gatherer could (its files then name the command line as what included them): judged with them.
    const includeRead = [...(files.includedBy?.values() ?? [])].some((by) => by.kind === 'host');
    if (findings.length > 0 && included !== undefined && !includeRead) {
      return skip(`${findings.length} difference${findings.length === 1 ? '' : 's'} from the file (${findings.slice(0, 2).map((f) => f.message.split(':')[0]).join('; ')}${findings.length > 2 ? '; …' : ''}), but the server was started with ${included} on ${cmdline!.from}, whose settings override the file's and which redfort does not read: drift or that file's values, unknown`);
    }
    // Security settings the files leave out, running at another value than the compiled default (not on a command line
    // that was read): a CONFIG SET never rewritten, or a build whose default differs; unknown, never "matches".
    const key = server?.version ? resolveVersion(configVersion(server)).key : undefined;
    const offDefault = DEFAULT_UNKNOWN.flatMap((name) => {
      const fileFact = files.config.get(name);
      const running = config.get(name);
      if (fileFact?.source.kind !== 'default' || running?.source.kind !== 'live' || cmdline?.names.has(name) || !settableAtRunTime(name, key)) return [];
      const compiled = versionDefault(name, server);
      return compiled !== undefined && running.value !== compiled ? [`${shown(name)} is '${clipped(running.value)}' (compiled default: '${clipped(compiled)}')`] : [];
    });
    const offDefaultWhy = `a CONFIG SET never rewritten (lost at the next restart), ${cmdline ? '' : "an option of the server's command line (not read from here), "}or a build whose default differs (the Docker image's protected-mode, bind)`;
    if (findings.length > 0) {
      const also = offDefault.length > 0 ? [`also at run time and not in the files (drift unknown: ${offDefaultWhy}): ${offDefault.join(', ')}`] : [];
      return fail(explained.length > 0 || also.length > 0 ? findings.map((f, i) => (i === 0 ? { ...f, evidence: [...(f.evidence ?? []), ...explained.map((e) => `not drift: ${e}`), ...also] } : f)) : findings);
    }
    const matches = `the running configuration matches ${files.paths.length} file${files.paths.length === 1 ? '' : 's'}`;
    const except = explained.length > 0 ? `, except ${explained.length} setting${explained.length === 1 ? '' : 's'} that CONFIG SET did not change (command line, or not settable at run time)` : '';
    // Without the command line (set-proc-title wrote its title over it), a setting the files leave out that runs at
    // another value than its compiled default is a CONFIG SET never rewritten or one of its options: unknown. One at
    // its default is no drift either way, as with the command line read.
    if (!cmdline) {
      const unknown = [...offDefault, ...[...DEFAULT_COMPARED].flatMap((name) => {
        const running = config.get(name);
        const compiled = files.config.get(name)?.source.kind === 'default' ? compiledDefault(name, server) : undefined;
        return compiled !== undefined && running?.source.kind === 'live' && running.value !== compiled ? [`${shown(name)} is '${clipped(running.value)}' (compiled default: '${compiled}')`] : [];
      })];
      for (const name of SECRET_DEFAULT_COMPARED) {
        if (files.secrets.get(name)?.source.kind === 'default' && files.secrets.get(name)?.value.set === false && secrets?.get(name)?.source.kind === 'live' && secrets.get(name)!.value.set) unknown.push(`${shown(name)} is set`);
      }
      if (unknown.length > 0) {
        return skip(`${matches}${except} in the settings they set, but ${unknown.join(', ')} at run time and not in the files: a CONFIG SET never rewritten, or an option of the server's command line, which could not be read from here: drift unknown`);
      }
    }
    if (offDefault.length > 0) {
      return skip(`${matches}${except} in the settings they set, but ${offDefault.join(', ')} at run time and not in the files: ${offDefaultWhy}: drift unknown`);
    }
    // The users the server was started with are not all known (`files.unread`: an ACL file, the config file's or an
    // `--aclfile`, that could not be read or holds too many users; an `--include` on the command line; `--user`
    // options whose passwords could not be read again, as a systemd unit's): their drift is unknown.
    if (files.unread?.length) return skip(`${matches}${except}, but the users were not compared with the running ones: ${files.unread.join('; ')}`);
    // Only the ACL file was read (`CONFIG GET aclfile` of a server whose config file was not found): its users were
    // compared, the settings were not.
    if (files.configUnread !== undefined && !(files.users.length > 0 && !(acl && acl.origin === 'acl-list'))) {
      return skip(`the running users match the ACL file ${files.paths[0] ?? ''}, but the settings were not compared: ${files.configUnread}`);
    }
    // Users the file defines but the server did not list (ACL LIST refused): the very drift this rule looks for (an
    // ACL SETUSER never saved) could not be seen, so the rule is unknown, not passed.
    if (files.users.length > 0 && !(acl && acl.origin === 'acl-list')) {
      const reason = unavailable.acl ?? "the server's users could not be read (ACL LIST)";
      return skip(`${matches}${except}, but its ${files.users.length} user${files.users.length === 1 ? ' was' : 's were'} not compared with the running ones: ${reason}`);
    }
    return pass(`${matches}${except}`, explained.length > 0 ? { source: files.source, evidence: explained } : { source: files.source });
  },
});
