// The commands of redfort's audit pipeline (src/gather/live/gather-live.ts auditCommands()), in its order, for the
// benchmarks to send with redis-cli and to record for the fake servers. test/repo/bench-commands.test.ts checks that
// this list is the audit's.
const CATEGORIES = 'keyspace read write set sortedset list hash string bitmap hyperloglog geo stream pubsub admin fast slow blocking dangerous connection transaction scripting json search tdigest cms bloom cuckoo topk timeseries'.split(' ');

export const AUDIT_COMMANDS = [
  ['INFO'],
  ['ACL', 'USERS'],
  ['CONFIG', 'GET', '*'],
  ['ACL', 'LIST'],
  ...CATEGORIES.map((c) => ['ACL', 'CAT', c]),
  ['COMMAND', 'INFO', 'config', 'debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof', 'keys', 'acl', 'eval'],
  ['TIME'],
  ['CLUSTER', 'NODES'],
  ['SENTINEL', 'MASTERS'],
  ['SENTINEL', 'CONFIG', 'GET', '*'],
  ['CONFIG', 'GET', 'lua-enable-deprecated-api'],
];
