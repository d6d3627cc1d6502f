import { sha256Hex } from '../util/hash.ts';
import type { AclUser, Facts } from '../facts/types.ts';
import type { NodeRole, PlanNode } from './types.ts';
import { infoField } from '../redis/info.ts';

/**
 * The settings a plan reads to decide its steps. Anything else may change between plan and apply without making
 * the plan wrong; a change to one of these makes it stale.
 */
export const DIGEST_SETTINGS = [
  'loglevel', 'protected-mode', 'masteruser', 'replicaof', 'aclfile', 'port', 'bind', 'tls-port', 'tls-protocols',
  'tls-auth-clients', 'tls-prefer-server-ciphers', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-cluster',
  'syslog-enabled', 'logfile', 'enable-debug-command', 'enable-module-command', 'enable-protected-configs',
] as const;

const DIGEST_SECRETS = ['requirepass', 'masterauth'] as const;

/** What the digest covers of one user (its passwords as their SHA-256), `extra` after its passwords: the keys' order is the digest's. */
function userInput(u: AclUser, extra: object = {}): unknown {
  return { name: u.name, enabled: u.enabled, nopass: u.nopass, passwords: u.passwords.map((p) => p.sha256).sort(), ...extra, rules: u.rules, selectors: u.selectors };
}

/** What the digest covers for one node, as plain JSON (secrets as their SHA-256 only). */
export function digestInput(facts: Facts, role: NodeRole): unknown {
  const info = facts.info;
  return {
    role,
    replicationRole: info ? (infoField(info, 'role') ?? null) : null,
    configFile: facts.server?.configFile ?? null,
    config: DIGEST_SETTINGS.map((name) => [name, facts.config?.get(name)?.value ?? null]),
    secrets: DIGEST_SECRETS.map((name) => [name, facts.secrets?.get(name)?.value.sha256 ?? null]),
    users: (facts.acl?.users ?? []).map((u) => userInput(u)),
    // The ACL file's users, where there is one: ACL SAVE writes over the file, and a bare one is planned only when
    // they are the running users (plan.ts aclSaveWritesMore); a file edited since is another plan.
    aclFileUsers: facts.config?.get('aclfile')?.value ? (facts.files?.users ?? []).map((u) => userInput(u, { clearText: u.plaintextPasswords })) : null,
    sentinel: (facts.sentinel?.masters ?? []).map((m) => ({ name: m.name, address: `${m.host}:${m.port}`, authUser: m.authUser?.value ?? null })),
  };
}

/** SHA-256 of the facts the plan used for one node. */
export function nodeDigest(facts: Facts, role: NodeRole): string {
  return sha256Hex(JSON.stringify(digestInput(facts, role)));
}

/** SHA-256 over every node's digest, in address order. */
export function deploymentDigest(nodes: readonly Pick<PlanNode, 'address' | 'digest'>[]): string {
  return sha256Hex(JSON.stringify([...nodes].sort((a, b) => a.address.localeCompare(b.address)).map((n) => [n.address, n.digest])));
}
