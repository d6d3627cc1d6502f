import type { Rule } from './define.ts';
import bindAllInterfaces from './network/bind-all-interfaces.ts';
import protectedModeOff from './network/protected-mode-off.ts';
import defaultPort from './network/default-port.ts';
import noLogfile from './logging/no-logfile.ts';
import loglevelTooQuiet from './logging/loglevel-too-quiet.ts';
import syslogDisabled from './logging/syslog-disabled.ts';
import knownVulnerabilities from './version/known-vulnerabilities.ts';
import endOfLife from './version/end-of-life.ts';
import clientSideEncryption from './data/client-side-encryption.ts';
import tlsDisabled from './tls/disabled.ts';
import backupHealth from './persistence/backup-health.ts';
import persistenceNone from './persistence/none.ts';
import persistenceSystemPath from './persistence/system-path.ts';
import masterCount from './cluster/master-count.ts';
import clusterQuorumHostSpread from './cluster/quorum-host-spread.ts';
import sentinelQuorum from './sentinel/quorum.ts';
import noAuthentication from './auth/no-authentication.ts';
import weakPassword from './auth/weak-password.ts';
import defaultUserEnabled from './auth/default-user-enabled.ts';
import dangerousCommandsAllowed from './auth/dangerous-commands-allowed.ts';
import aclFileMissing from './auth/acl-file-missing.ts';
import plaintextPasswords from './auth/plaintext-passwords.ts';
import requirepassUsed from './auth/requirepass-used.ts';
import dangerousNotRenamed from './commands/dangerous-not-renamed.ts';
import protectedFeaturesEnabled from './commands/protected-features-enabled.ts';
import noMasteruser from './replication/no-masteruser.ts';
import sentinelNoAuthUser from './sentinel/no-auth-user.ts';
import plaintextPortOpen from './tls/plaintext-port-open.ts';
import weakProtocols from './tls/weak-protocols.ts';
import weakCiphers from './tls/weak-ciphers.ts';
import clientAuthDisabled from './tls/client-auth-disabled.ts';
import serverCiphersNotPreferred from './tls/server-ciphers-not-preferred.ts';
import replicationPlaintext from './tls/replication-plaintext.ts';
import clusterBusPlaintext from './tls/cluster-bus-plaintext.ts';
import runtimeDrift from './config/runtime-drift.ts';
import inconsistentNodes from './config/inconsistent-nodes.ts';
import hostRunsAsRoot from './host/runs-as-root.ts';
import hostDataFilePermissions from './host/data-file-permissions.ts';
import networkUnixSocketPermissions from './network/unix-socket-permissions.ts';
import hostConfigFilePermissions from './host/config-file-permissions.ts';
import hostServiceHardening from './host/service-hardening.ts';
import loggingNoRotation from './logging/no-rotation.ts';
import networkNoIpRestriction from './network/no-ip-restriction.ts';
import tlsKeyFilePermissions from './tls/key-file-permissions.ts';
import tlsCertificate from './tls/certificate.ts';

/** The catalogue, in the order of the checklist. Ids are stable: never rename or reuse one. */
export const RULES: readonly Rule[] = [
  bindAllInterfaces,
  protectedModeOff,
  noLogfile,
  loglevelTooQuiet,
  hostRunsAsRoot,
  hostDataFilePermissions,
  networkUnixSocketPermissions,
  loggingNoRotation,
  hostConfigFilePermissions,
  hostServiceHardening,
  knownVulnerabilities,
  endOfLife,
  networkNoIpRestriction,
  clientSideEncryption,
  tlsDisabled,
  defaultPort,
  backupHealth,
  persistenceNone,
  persistenceSystemPath,
  syslogDisabled,
  masterCount,
  sentinelQuorum,
  clusterQuorumHostSpread,
  noAuthentication,
  weakPassword,
  defaultUserEnabled,
  dangerousCommandsAllowed,
  aclFileMissing,
  plaintextPasswords,
  requirepassUsed,
  dangerousNotRenamed,
  protectedFeaturesEnabled,
  noMasteruser,
  sentinelNoAuthUser,
  plaintextPortOpen,
  weakProtocols,
  weakCiphers,
  clientAuthDisabled,
  serverCiphersNotPreferred,
  replicationPlaintext,
  tlsKeyFilePermissions,
  clusterBusPlaintext,
  tlsCertificate,
  inconsistentNodes,
  runtimeDrift,
];

/** The catalogue by id, made on first use (fingerprints look a rule up per finding). */
let byId: Map<string, Rule> | undefined;

export function findRule(id: string): Rule | undefined {
  byId ??= new Map(RULES.map((rule) => [rule.id, rule]));
  return byId.get(id);
}
