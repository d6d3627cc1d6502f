/**
 * The defaults a run uses unless it is told otherwise: every timeout and concurrency in one place, named, so a
 * value means the same wherever it is used and changes in one line.
 */

/** TCP connect plus TLS handshake to a server. */
export const CONNECT_TIMEOUT_MS = 3000;

/** The replies to one command or pipeline, counted from when it is sent. */
export const COMMAND_TIMEOUT_MS = 5000;

/** `fix`'s commands: `CONFIG REWRITE` and `ACL SAVE` write files, which a loaded server takes longer to do. */
export const FIX_COMMAND_TIMEOUT_MS = 10_000;

/** How long `fix --apply` waits for a changed node's replication links to come back before it stops. */
export const LINK_WAIT_MS = 10_000;

/** An external program (nft, iptables-save, systemctl, dpkg-query, rpm, redis-server --version). */
export const PROGRAM_TIMEOUT_MS = 10_000;

/** Targets, or a deployment's nodes, audited at once. */
export const AUDIT_CONCURRENCY = 16;
