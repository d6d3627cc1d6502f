import type { AclUser, FileFacts, HostFacts } from '../../facts/types.ts';
import { formatSource } from '../../facts/types.ts';
import { missingReason } from '../../facts/keys.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { clipped } from '../../util/shown.ts';

/** Directives whose value is a clear-text password in a config file. */
const CLEAR_TEXT_DIRECTIVES = ['requirepass', 'masterauth', 'sentinel-pass', 'tls-key-file-pass', 'tls-client-key-file-pass'];

/** The fix, naming the replication password as the file does (Valkey 8's `primaryauth`). */
function remediationFor(masterauth: string): string {
  return `Store ACL passwords as \`#<sha256>\` (\`echo -n "$PW" | sha256sum\`) in the ACL file; move requirepass to an ACL user; keep ${masterauth} / sentinel auth-pass in files readable only by redis.`;
}

type KnownCommandLine = Extract<HostFacts['commandLine'], { known: true }>;

/**
 * Who can read a command line: every user of the host, by `ps`, or the unit by `systemctl show`; with /proc mounted
 * `hidepid=`, only root and the server's own user (and the mount's `gid=` group) read the process's.
 */
function readableBy(line: KnownCommandLine, pid: number): { readonly who: string; readonly severity: 'high' | 'medium' } {
  if (line.fromUnit) return { who: 'every user of the host can read it (systemctl show, the unit file)', severity: 'high' };
  if (line.hiddenBy !== undefined) {
    return { who: `root and the server's own user can read it (ps, /proc/${pid}/cmdline; /proc is mounted with ${line.hiddenBy}, which hides it from other users)`, severity: 'medium' };
  }
  return { who: `every user of the host can read it (ps, /proc/${pid}/cmdline)`, severity: 'high' };
}

/** The fix for a password given on a command line. */
const COMMAND_LINE_REMEDIATION =
  'Take the password off the command line: put it in the config file or an include readable only by the server\'s user (0640), or for a `--user`, in the ACL file as `#<sha256>`. A command line is readable by every user of the host (`ps`), and a systemd unit\'s ExecStart too (`systemctl show`); `set-proc-title yes` (the default) replaces the arguments once the server runs, but not in the unit.';

/**
 * The clear-text passwords the server's options give (its command line, else its systemd unit's ExecStart): the
 * option names only, never a value. Users of `--user` options the config-file stage merged into `files` are judged
 * there (with their source, this command line).
 */
function commandLineFindings(host: HostFacts, files: FileFacts | undefined): Finding[] {
  const line = host.commandLine;
  if (!line.known) return [];
  const findings: Finding[] = [];
  const source = (detail: string) => ({ kind: 'host' as const, detail: `${line.from} (${detail})` });
  const { who: exposed, severity } = readableBy(line, host.process.pid);
  for (const option of line.options) {
    const named = option.clearPassword;
    if (named === undefined || option.name === 'user') continue;
    findings.push({ message: `--${named} on ${line.from} holds a clear-text password: ${exposed}`, source: source(`--${named}`), severity, remediation: COMMAND_LINE_REMEDIATION });
  }
  const judgedInFiles = (name: string) => files?.users.some((u) => u.source.kind === 'host' && u.name === name) === true;
  const userFinding = (name: string, count: number | undefined): Finding => ({
    message: `user '${clipped(name)}' has ${count === undefined ? 'a' : count} clear-text password${count === undefined || count === 1 ? '' : 's'} ('>…') on ${line.from}: ${exposed}`,
    source: source(`--user ${name}`),
    severity,
    remediation: COMMAND_LINE_REMEDIATION,
  });
  if (line.users.known) {
    for (const user of line.users.value) if (user.plaintextPasswords > 0 && !judgedInFiles(user.name)) findings.push(userFinding(user.name, user.plaintextPasswords));
  } else {
    // The users could not be read (a unit's arguments joined by `systemctl show`): the option still shows a `>password`.
    for (const option of line.options) {
      const name = option.clearPassword?.replace(/^user /, '');
      if (name !== undefined && option.name === 'user' && !judgedInFiles(name)) findings.push(userFinding(name, undefined));
    }
  }
  return findings;
}

/** A user of the files that came from the command line (`--user`, merged by the config-file stage). */
function fromCommandLine(user: AclUser): boolean {
  return user.source.kind === 'host';
}

export default defineRule({
  id: 'auth.plaintext-passwords',
  title: 'No password is stored in clear text',
  severity: 'medium',
  section: 'Account',
  checklist: 'Account 4',
  sources: ['config', 'host'],
  remediation: remediationFor('masterauth'),
  requires: [],
  check(facts) {
    const { files, host } = facts;
    const findings: Finding[] = [];
    if (files) {
      // As the file writes it: Valkey 8 takes `primaryauth` for masterauth.
      const masterauth = files.spelled?.get('masterauth') ?? 'masterauth';
      const remediation = masterauth === 'masterauth' ? {} : { remediation: remediationFor(masterauth) };
      const line = host?.commandLine.known ? host.commandLine : undefined;
      for (const user of files.users) {
        if (user.plaintextPasswords > 0) {
          const message = `user '${clipped(user.name)}' has ${user.plaintextPasswords} clear-text password${user.plaintextPasswords === 1 ? '' : 's'} ('>…')`;
          // A --user option of the command line: readable by every user of the host.
          if (fromCommandLine(user) && line && host) findings.push({ message: `${message} on ${line.from}: ${readableBy(line, host.process.pid)}`, source: user.source, severity: 'high', remediation: COMMAND_LINE_REMEDIATION });
          else findings.push({ message, source: user.source, ...remediation });
        }
      }
      // A line a later one overrides (in the same file or an include) still holds its password on disk (QA38-9).
      const overridden = (name: string) => {
        const winner = files.secrets.get(name);
        for (const earlier of files.overriddenSecrets?.get(name) ?? []) {
          if (!earlier.value.set || earlier.source.kind !== 'file') continue;
          const by = winner ? ` (overridden by ${formatSource(winner.source)}, but still in the file)` : '';
          findings.push({ message: `${earlier.name} holds a clear-text password${by}`, source: earlier.source, ...remediation });
        }
      };
      for (const name of CLEAR_TEXT_DIRECTIVES) {
        overridden(name);
        const secret = files.secrets.get(name);
        if (secret?.value.set && secret.source.kind === 'file') {
          findings.push({ message: `${files.spelled?.get(name) ?? name} holds a clear-text password`, source: secret.source, ...remediation });
        }
      }
      for (const [name, secret] of files.secrets) {
        if (!name.startsWith('sentinel auth-pass')) continue;
        overridden(name);
        if (secret.value.set) findings.push({ message: `${name} holds a clear-text password`, source: secret.source, ...remediation });
      }
    }
    if (host) findings.push(...commandLineFindings(host, files));
    if (findings.length > 0) return fail(findings);
    const line = host?.commandLine.known ? host.commandLine : undefined;
    const alsoLine = line ? ` or on ${line.from}` : '';
    if (!files) {
      // Started without a config file, with every option known: the command line is all there is to store a password.
      const noFile = host?.process.configFile.known === true && host.process.configFile.value === null;
      const elsewhere = line?.options.find((o) => o.name === 'aclfile' || o.name === 'include');
      if (line && noFile && !line.fromStdin && !elsewhere) return pass(`no clear-text password on ${line.from} (the server was started without a config file)`, { source: { kind: 'host', detail: line.from } });
      return skip(missingReason(facts, 'files'));
    }
    // An ACL file named but not readable here may hold `>password` lines: unknown, not "no clear-text password".
    if (files.unread?.length) return skip(`${files.unread.join('; ')}: its passwords are unknown (no clear-text password in the ${files.paths.length} file${files.paths.length === 1 ? '' : 's'} read${alsoLine})`);
    // Only the ACL file was read: the config file the server may have (requirepass, masterauth) is unknown.
    if (files.configUnread !== undefined) return skip(`no clear-text password in ${files.paths.join(', ')} (the server's ACL file, CONFIG GET aclfile)${alsoLine}, but ${files.configUnread}`);
    // QA41-15: a password the server runs with (CONFIG GET) that no file read holds, and a command line not read: given
    // on that command line (a start script, a compose file, Helm values) or by CONFIG SET; where it is kept is unknown.
    if (!line) {
      const outside = CLEAR_TEXT_DIRECTIVES.filter((name) => facts.secrets?.get(name)?.value.set === true && files.secrets.get(name)?.value.set !== true);
      if (outside.length > 0) {
        const n = files.paths.length;
        return skip(`${outside.map((name) => files.spelled?.get(name) ?? name).join(' and ')} ${outside.length === 1 ? 'is' : 'are'} set at run time but in none of the ${n === 1 ? 'file' : `${n} files`} read (no clear-text password there): given on the server's command line or by CONFIG SET, so where ${outside.length === 1 ? 'it is' : 'they are'} stored in clear text is unknown (${host && !host.commandLine.known ? `its command line was looked at on this host but could not be read: ${host.commandLine.reason}; start it with 'set-proc-title no' to have it read, or look at the container spec or systemd unit that starts it` : "audit on the server's host to read its command line"})`);
      }
    }
    return pass(`no clear-text password in ${files.paths.length} file${files.paths.length === 1 ? '' : 's'}${alsoLine}`, { source: files.source });
  },
});
