/** Categories asked for one by one: the 21 of Redis 6.0-7.4 and Valkey, and those Redis 8 adds. */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
  'json', 'search', 'tdigest', 'cms', 'bloom', 'cuckoo', 'topk', 'timeseries',
] as const;

/** Commands whose presence under their own name tells whether `rename-command` hid them. */
export const ADMIN_COMMANDS = [
  'config', 'debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof', 'keys', 'acl', 'eval',
] as const;
