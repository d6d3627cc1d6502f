// ACL category members of Redis 6.2.16 and 6.0.20, whole commands (6.x has no per-subcommand categories).
// NOT read from a live server (no 6.x binary here): extracted from `redisCommandTable` in
// redis@6.2.16:src/server.c and redis@6.0.20:src/server.c, applying populateCommandTableParseFlags
// ('admin' gives @admin and @dangerous, 'read-only' @read, 'write' @write, 'pub-sub' @pubsub, not 'fast' gives @slow).
// Cross-checked against shared/reference/redis-semantics.md (live on those versions): §6.2 @dangerous,
// Appendix B.3 (@admin, @dangerous, @keyspace, @connection, @scripting) and the B.2 6.0 -> 6.2 deltas all match.
// Members are space-separated; categories.ts splits them.

export const REDIS_6_2_CATEGORIES: Readonly<Record<string, string>> = {
  keyspace: `
    asking copy dbsize del dump exists expire expireat flushall flushdb keys migrate move object persist
    pexpire pexpireat pttl randomkey readonly readwrite rename renamenx restore restore-asking scan select
    swapdb touch ttl type unlink wait
  `,
  read: `
    bitcount bitfield_ro bitpos dbsize dump exists geodist geohash geopos georadius_ro georadiusbymember_ro
    geosearch get getbit getrange hexists hget hgetall hkeys hlen hmget host: hrandfield hscan hstrlen hvals
    keys lindex llen lolwut lpos lrange memory mget object pfcount post pttl randomkey scan scard sdiff
    sinter sismember smembers smismember srandmember sscan stralgo strlen substr sunion touch ttl type xinfo
    xlen xpending xrange xread xrevrange zcard zcount zdiff zinter zlexcount zmscore zrandmember zrange
    zrangebylex zrangebyscore zrank zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion
  `,
  write: `
    append bitfield bitop blmove blpop brpop brpoplpush bzpopmax bzpopmin copy decr decrby del expire
    expireat flushall flushdb geoadd georadius georadiusbymember geosearchstore getdel getex getset hdel
    hincrby hincrbyfloat hmset hset hsetnx incr incrby incrbyfloat linsert lmove lpop lpush lpushx lrem lset
    ltrim migrate move mset msetnx persist pexpire pexpireat pfadd pfdebug pfmerge psetex rename renamenx
    restore restore-asking rpop rpoplpush rpush rpushx sadd sdiffstore set setbit setex setnx setrange
    sinterstore smove sort spop srem sunionstore swapdb unlink xack xadd xautoclaim xclaim xdel xgroup
    xreadgroup xsetid xtrim zadd zdiffstore zincrby zinterstore zpopmax zpopmin zrangestore zrem
    zremrangebylex zremrangebyrank zremrangebyscore zunionstore
  `,
  set: `
    sadd scard sdiff sdiffstore sinter sinterstore sismember smembers smismember smove sort spop srandmember
    srem sscan sunion sunionstore
  `,
  sortedset: `
    bzpopmax bzpopmin sort zadd zcard zcount zdiff zdiffstore zincrby zinter zinterstore zlexcount zmscore
    zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex
    zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion
    zunionstore
  `,
  list: `
    blmove blpop brpop brpoplpush lindex linsert llen lmove lpop lpos lpush lpushx lrange lrem lset ltrim
    rpop rpoplpush rpush rpushx sort
  `,
  hash: `
    hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx
    hstrlen hvals
  `,
  string: `
    append decr decrby get getdel getex getrange getset incr incrby incrbyfloat mget mset msetnx psetex set
    setex setnx setrange stralgo strlen substr
  `,
  bitmap: `
    bitcount bitfield bitfield_ro bitop bitpos getbit setbit
  `,
  hyperloglog: `
    pfadd pfcount pfdebug pfmerge pfselftest
  `,
  geo: `
    geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch
    geosearchstore
  `,
  stream: `
    xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending xrange xread xreadgroup xrevrange xsetid
    xtrim
  `,
  pubsub: `
    psubscribe publish pubsub punsubscribe subscribe unsubscribe
  `,
  admin: `
    acl bgrewriteaof bgsave client cluster config debug failover lastsave latency module monitor pfdebug
    pfselftest psync replconf replicaof save shutdown slaveof slowlog sync
  `,
  fast: `
    append asking auth bitfield_ro bzpopmax bzpopmin dbsize decr decrby discard echo exists expire expireat
    get getbit getdel getex getset hdel hello hexists hget hincrby hincrbyfloat hlen hmget hmset hset hsetnx
    hstrlen incr incrby incrbyfloat lastsave llen lolwut lpop lpush lpushx mget move multi persist pexpire
    pexpireat pfadd ping pttl publish readonly readwrite renamenx reset role rpop rpush rpushx sadd scard
    select setnx sismember smismember smove spop srem strlen swapdb time touch ttl type unlink unwatch watch
    xack xadd xautoclaim xclaim xdel xlen xsetid zadd zcard zcount zincrby zlexcount zmscore zpopmax zpopmin
    zrank zrem zrevrank zscore
  `,
  slow: `
    acl bgrewriteaof bgsave bitcount bitfield bitop bitpos blmove blpop brpop brpoplpush client cluster
    command config copy debug del dump eval evalsha exec failover flushall flushdb geoadd geodist geohash
    geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch geosearchstore getrange
    hgetall hkeys host: hrandfield hscan hvals info keys latency lindex linsert lmove lpos lrange lrem lset
    ltrim memory migrate module monitor mset msetnx object pfcount pfdebug pfmerge pfselftest post psetex
    psubscribe psync pubsub punsubscribe randomkey rename replconf replicaof restore restore-asking
    rpoplpush save scan script sdiff sdiffstore set setbit setex setrange shutdown sinter sinterstore
    slaveof slowlog smembers sort srandmember sscan stralgo subscribe substr sunion sunionstore sync
    unsubscribe wait xgroup xinfo xpending xrange xread xreadgroup xrevrange xtrim zdiff zdiffstore zinter
    zinterstore zrandmember zrange zrangebylex zrangebyscore zrangestore zremrangebylex zremrangebyrank
    zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zscan zunion zunionstore
  `,
  blocking: `
    blmove blpop brpop brpoplpush bzpopmax bzpopmin xread xreadgroup
  `,
  dangerous: `
    acl bgrewriteaof bgsave client cluster config debug failover flushall flushdb info keys lastsave latency
    migrate module monitor pfdebug pfselftest psync replconf replicaof restore restore-asking role save
    shutdown slaveof slowlog sort swapdb sync
  `,
  connection: `
    auth client command echo hello ping reset
  `,
  transaction: `
    discard exec multi unwatch watch
  `,
  scripting: `
    eval evalsha script
  `,
};

export const REDIS_6_0_CATEGORIES: Readonly<Record<string, string>> = {
  keyspace: `
    asking dbsize del dump exists expire expireat flushall flushdb keys migrate move object persist pexpire
    pexpireat pttl randomkey readonly readwrite rename renamenx restore restore-asking scan select swapdb
    touch ttl type unlink wait
  `,
  read: `
    bitcount bitfield_ro bitpos dbsize dump echo exists geodist geohash geopos georadius_ro
    georadiusbymember_ro get getbit getrange hexists hget hgetall hkeys hlen hmget host: hscan hstrlen hvals
    keys lastsave lindex llen lolwut lpos lrange memory mget object pfcount post pttl randomkey role scan
    scard sdiff sinter sismember smembers srandmember sscan stralgo strlen substr sunion time touch ttl type
    xinfo xlen xpending xrange xread xrevrange zcard zcount zlexcount zrange zrangebylex zrangebyscore zrank
    zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore
  `,
  write: `
    append bitfield bitop blpop brpop brpoplpush bzpopmax bzpopmin decr decrby del expire expireat flushall
    flushdb geoadd georadius georadiusbymember getset hdel hincrby hincrbyfloat hmset hset hsetnx incr
    incrby incrbyfloat linsert lpop lpush lpushx lrem lset ltrim migrate move mset msetnx persist pexpire
    pexpireat pfadd pfdebug pfmerge psetex rename renamenx restore restore-asking rpop rpoplpush rpush
    rpushx sadd sdiffstore set setbit setex setnx setrange sinterstore smove sort spop srem sunionstore
    swapdb unlink xack xadd xclaim xdel xgroup xreadgroup xsetid xtrim zadd zincrby zinterstore zpopmax
    zpopmin zrem zremrangebylex zremrangebyrank zremrangebyscore zunionstore
  `,
  set: `
    sadd scard sdiff sdiffstore sinter sinterstore sismember smembers smove sort spop srandmember srem sscan
    sunion sunionstore
  `,
  sortedset: `
    bzpopmax bzpopmin sort zadd zcard zcount zincrby zinterstore zlexcount zpopmax zpopmin zrange
    zrangebylex zrangebyscore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange
    zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunionstore
  `,
  list: `
    blpop brpop brpoplpush lindex linsert llen lpop lpos lpush lpushx lrange lrem lset ltrim rpop rpoplpush
    rpush rpushx sort
  `,
  hash: `
    hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hscan hset hsetnx hstrlen hvals
  `,
  string: `
    append decr decrby get getrange getset incr incrby incrbyfloat mget mset msetnx psetex set setex setnx
    setrange stralgo strlen substr
  `,
  bitmap: `
    bitcount bitfield bitfield_ro bitop bitpos getbit setbit
  `,
  hyperloglog: `
    pfadd pfcount pfmerge pfselftest
  `,
  geo: `
    geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro
  `,
  stream: `
    xack xadd xclaim xdel xgroup xinfo xlen xpending xrange xread xreadgroup xrevrange xsetid xtrim
  `,
  pubsub: `
    psubscribe publish pubsub punsubscribe subscribe unsubscribe
  `,
  admin: `
    acl bgrewriteaof bgsave client cluster config debug lastsave latency module monitor pfdebug pfselftest
    psync replconf replicaof save shutdown slaveof slowlog sync
  `,
  fast: `
    append asking auth bitfield_ro bzpopmax bzpopmin dbsize decr decrby discard echo exists expire expireat
    get getbit getset hdel hello hexists hget hincrby hincrbyfloat hlen hmget hmset hset hsetnx hstrlen incr
    incrby incrbyfloat lastsave llen lolwut lpop lpush lpushx mget move multi persist pexpire pexpireat
    pfadd ping pttl publish readonly readwrite renamenx role rpop rpush rpushx sadd scard select setnx
    sismember smove spop srem strlen swapdb time touch ttl type unlink unwatch watch xack xadd xclaim xdel
    xlen xsetid zadd zcard zcount zincrby zlexcount zpopmax zpopmin zrank zrem zrevrank zscore
  `,
  slow: `
    acl bgrewriteaof bgsave bitcount bitfield bitop bitpos blpop brpop brpoplpush client cluster command
    config debug del dump eval evalsha exec flushall flushdb geoadd geodist geohash geopos georadius
    georadius_ro georadiusbymember georadiusbymember_ro getrange hgetall hkeys host: hscan hvals info keys
    latency lindex linsert lpos lrange lrem lset ltrim memory migrate module monitor mset msetnx object
    pfcount pfdebug pfmerge pfselftest post psetex psubscribe psync pubsub punsubscribe randomkey rename
    replconf replicaof restore restore-asking rpoplpush save scan script sdiff sdiffstore set setbit setex
    setrange shutdown sinter sinterstore slaveof slowlog smembers sort srandmember sscan stralgo subscribe
    substr sunion sunionstore sync unsubscribe wait xgroup xinfo xpending xrange xread xreadgroup xrevrange
    xtrim zinterstore zrange zrangebylex zrangebyscore zremrangebylex zremrangebyrank zremrangebyscore
    zrevrange zrevrangebylex zrevrangebyscore zscan zunionstore
  `,
  blocking: `
    blpop brpop brpoplpush bzpopmax bzpopmin xread xreadgroup
  `,
  dangerous: `
    acl bgrewriteaof bgsave client cluster config debug flushall flushdb info keys lastsave latency migrate
    module monitor pfdebug pfselftest psync replconf replicaof restore restore-asking role save shutdown
    slaveof slowlog sort swapdb sync
  `,
  connection: `
    auth client command echo hello ping
  `,
  transaction: `
    discard exec multi unwatch watch
  `,
  scripting: `
    eval evalsha script
  `,
};
