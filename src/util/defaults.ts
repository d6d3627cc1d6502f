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

/**
 * The nodes one deployment (`--cluster`, `--sentinel`, `--replication`) may have: Redis Cluster is specified for up
 * to 1,000 nodes. The node list is the server's word (CLUSTER NODES, SENTINEL REPLICAS, INFO replication): a hostile
 * or broken server listing 20,000 nodes would have the audit connect to each address it names.
 */
export const MAX_DEPLOYMENT_NODES = 1000;

/** The error of a node list (the server's word) longer than any real deployment's. */
export function tooManyNodes(count: number, command: string): string {
  return `${command} lists ${count} nodes: more than the ${MAX_DEPLOYMENT_NODES} redfort audits in one deployment (a broken or hostile server?)`;
}

/** The longest one target may take, everything included (`--target-timeout`). */
export const TARGET_TIMEOUT_MS = 120_000;

/** `harden`'s trial server on loopback: connecting to it while it starts, and its AUTH or PING. */
export const TRIAL_CONNECT_TIMEOUT_MS = 1000;
export const TRIAL_COMMAND_TIMEOUT_MS = 3000;

/** The exporter's HTTP server: how long a client may take to send its request's headers (a slowloris is not kept). */
export const EXPORTER_HEADERS_TIMEOUT_MS = 10_000;

/** How long the exporter lets scrapes under way finish when it is told to stop, before it drops them. */
export const EXPORTER_SHUTDOWN_GRACE_MS = 10_000;

/** A module's audit of one target when neither its `timeoutSeconds` nor Prometheus' scrape timeout says less. */
export const EXPORTER_PROBE_TIMEOUT_SECONDS = 10;

/** Subtracted from Prometheus' scrape timeout, to answer before Prometheus gives up (`timeoutMarginSeconds`). */
export const EXPORTER_TIMEOUT_MARGIN_SECONDS = 0.5;

/**
 * How long the exporter's scrapes of local targets share one read of the machine's listening sockets (a proposal of
 * the port's owner, which each scrape confirms in /proc as it is then: src/gather/host/proc.ts recentTcpTable).
 */
export const EXPORTER_SOCKET_TABLE_TTL_MS = 5000;

/**
 * An audit's replies, per reply and per call (the audit pipeline, INFO, AUTH each one call). Its legitimate
 * replies are small (INFO, CONFIG GET *, ACL LIST and CLUSTER NODES of large deployments stay well under 1 MiB;
 * 16 MiB is an ACL LIST of some 90,000 users), and what a call may receive is what a hostile server can make one
 * target hold, several times over once decoded: 64 MiB, the connection's own default, took one audit to 400 MB.
 */
export const AUDIT_MAX_REPLY_BYTES = 16 * 1024 * 1024;
