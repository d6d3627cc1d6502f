import { maskPassword, resolveTarget } from '../redis/target.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import { targetFor } from '../settings/targets.ts';
import type { Settings } from '../settings/types.ts';
import { HostKeyError, parseHostKey } from '../topology/host-key.ts';
import type { HostKeyMap } from '../topology/host-key.ts';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { clipped } from '../util/shown.ts';
import { nearRole, overrideKey } from '../topology/override-key.ts';

/** A request that names its servers wrongly (an empty target, -h/-p with several, a malformed override): one line. */
export class AuditRequestError extends Error {
  override readonly name = 'AuditRequestError';
}

/** The servers of a live audit, and the connection flags they share. */
export interface TargetsRequest {
  /** As typed: URLs, `host:port`, `host`. None: the settings file's targets, else 127.0.0.1:6379. */
  readonly specs: readonly string[];
  /** redis-cli's connection flags, shared by every target (`host`/`port` only with a single one). */
  readonly flags: TargetFlags;
  readonly settings?: Settings | undefined;
  /** Where `REDISCLI_AUTH` and the settings' `passwordEnv` variables are looked up. */
  readonly env: Record<string, string | undefined>;
}

/**
 * The servers to audit: those given, or with none (and no host or port), the settings file's targets; each with the
 * command line's flags, what its URL says and its settings. A settings target whose `passwordEnv` is not set is an
 * error for that target alone.
 *
 * @throws {AuditRequestError} on an empty target, or host/port flags with several targets.
 */
export function resolveTargets(request: TargetsRequest): Target[] {
  const { specs: given, flags, settings, env } = request;
  if (given.some((spec) => spec.trim() === '')) throw new AuditRequestError('an empty target was given (an unset shell variable?)');
  // With no target on the command line, the settings file's targets are the inventory.
  const all = given.length === 0 && flags.host === undefined && flags.port === undefined && flags.socket === undefined && settings ? settings.targets.map((t) => t.spec) : given;
  const resolve = (spec: string | undefined) => targetFor(spec, flags, settings, env);
  if (all.length === 0) return [resolve(undefined)];
  // Host and port flags address one server: with several targets they would all collapse into one.
  if (all.length > 1 && (flags.host !== undefined || flags.port !== undefined)) {
    throw new AuditRequestError('-h/--host and -p/--port apply to a single target: give URLs instead when auditing several');
  }
  if (all.length > 1 && flags.socket !== undefined) {
    throw new AuditRequestError('-s/--socket applies to a single target: give unix:///PATH URLs instead when auditing several');
  }
  return all.map(resolve);
}

export { overrideKey } from '../topology/override-key.ts';

/**
 * `--node-override KEY=URL`: KEY is a node's host:port or a role (master, replica, sentinel). A rediss:// URL takes
 * the certificate flags; a redis:// URL is plain even beside --tls.
 *
 * @throws {AuditRequestError} when a spec is not KEY=URL, or its KEY is neither host:port nor a role.
 */
export function nodeOverrides(specs: readonly string[] | undefined, flags: TargetFlags, env: Record<string, string | undefined>): Map<string, Target> | undefined {
  if (!specs || specs.length === 0) return undefined;
  const tlsFlags: TargetFlags = {};
  for (const name of ['cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure'] as const) {
    if (flags[name] !== undefined) Object.assign(tlsFlags, { [name]: flags[name] });
  }
  const overrides = new Map<string, Target>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const given = spec.slice(0, Math.max(eq, 0));
    // A URL without its KEY (whose password holds a '=': `redis://:a=b@x`): its part before the '=' is no KEY to show.
    if (eq <= 0 || given.includes('://') || given.includes('@')) throw new AuditRequestError(`--node-override '${clipped(maskPassword(spec))}' must be KEY=URL (KEY: host:port, master, replica or sentinel)`);
    const key = overrideKey(given);
    if (key === undefined) {
      throw new AuditRequestError(`--node-override '${clipped(given)}=…': KEY must be a node's host:port (an IPv6 address in brackets: [::1]:6379) or master, replica or sentinel${nearRole(given)}`);
    }
    const url = spec.slice(eq + 1);
    const secure = /^(rediss|valkeys):\/\//i.test(url);
    overrides.set(key, resolveTarget(url, secure ? tlsFlags : {}, env));
  }
  return overrides;
}

/**
 * The failure domains of a `--host-key` file (lines of `<host or host:port> <label>`); undefined without a path.
 *
 * @throws {AuditRequestError} naming the file when it cannot be read, or file:line when a line is wrong.
 */
export async function readHostKeyFile(path: string | undefined): Promise<HostKeyMap | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readTextFile(path, { maxBytes: 4 * 1024 * 1024 });
  } catch (error) {
    throw new AuditRequestError(`cannot read the --host-key file '${path}': ${error instanceof FileReadError ? error.detail : (error as Error).message}`);
  }
  try {
    return parseHostKey(text, path);
  } catch (error) {
    if (error instanceof HostKeyError) throw new AuditRequestError(error.message);
    throw error;
  }
}
