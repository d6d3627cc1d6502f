import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './backup-health.ts';

const NOW = 1_800_000_000;
const HOUR = 3600;

function persistence(fields: Record<string, string | number>): string {
  return `# Server\nredis_version:7.0.15\n# Persistence\n${Object.entries(fields).map(([k, v]) => `${k}:${v}`).join('\n')}\n`;
}

const healthy = { rdb_changes_since_last_save: 12, rdb_last_save_time: NOW - 2 * HOUR, rdb_last_bgsave_status: 'ok', aof_enabled: 0 };

ruleTester(rule, {
  pass: [
    { name: 'a recent successful save', facts: liveFacts({ now: NOW, info: persistence(healthy) }), message: /rdb_last_bgsave_status:ok, last save 2\.0 h ago/ },
    { name: 'an old save but nothing changed since', facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - 72 * HOUR, rdb_changes_since_last_save: 0 }) }) },
    {
      name: 'AOF healthy (the RDB age does not matter then)',
      facts: liveFacts({ now: NOW, conf: 'appendonly yes', info: persistence({ ...healthy, rdb_last_save_time: NOW - 72 * HOUR, aof_enabled: 1, aof_last_write_status: 'ok', aof_last_bgrewrite_status: 'ok' }) }),
      message: /aof_last_write_status:ok/,
    },
    { name: '20 h old, under the 24 h threshold', facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - 20 * HOUR }) }) },
    {
      name: 'settings unreadable, but a background save ran since the start',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_bgsave_time_sec: 0 }), unavailable: { config: 'CONFIG GET: NOPERM' } }),
      message: /last save 2\.0 h ago/,
    },
    {
      // 6.2 has no rdb_saves and a foreground SAVE leaves rdb_last_bgsave_time_sec -1: the save time past the start tells.
      name: '6.2 after a SAVE (no BGSAVE ever): healthy, its last save quoted',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, uptime_in_seconds: 3 * HOUR, rdb_last_save_time: NOW - HOUR, rdb_changes_since_last_save: 2, rdb_last_bgsave_time_sec: -1 }).replace('7.0.15', '6.2.16') }),
      message: /^saves are healthy \(rdb_last_bgsave_status:ok, last save 1\.0 h ago\)/,
    },
    {
      // FLUSHALL writes the (empty) RDB file when save points are set, without counting in rdb_saves.
      name: '7.0 after a FLUSHALL that saved (rdb_saves:0): the save time past the start tells',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, uptime_in_seconds: 3 * HOUR, rdb_last_save_time: NOW - HOUR, rdb_changes_since_last_save: 2, rdb_last_bgsave_time_sec: -1, rdb_saves: 0 }) }),
      message: /^saves are healthy \(rdb_last_bgsave_status:ok, last save 1\.0 h ago\)/,
    },
    // 7.0.15 just started, nothing written: rdb_last_save_time is the start, not a save.
    { name: 'no save since the start and nothing changed', facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - 0.2 * HOUR, rdb_changes_since_last_save: 0, rdb_last_bgsave_time_sec: -1, rdb_saves: 0 }) }), message: /^nothing changed since the server started 0\.2 h ago/ },
  ],
  fail: [
    {
      name: 'no save since a start 30 h ago, with unsaved changes (save points not reached)',
      facts: liveFacts({ now: NOW, conf: 'save "3600 100000"', info: persistence({ ...healthy, rdb_last_save_time: NOW - 30 * HOUR, rdb_changes_since_last_save: 40, rdb_last_bgsave_time_sec: -1, rdb_saves: 0 }) }),
      messages: [/^no save has run since the server started 30\.0 h ago \(threshold 24 h\) and 40 changes are not on disk/],
    },
    { name: 'the last bgsave failed', facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_bgsave_status: 'err' }) }), messages: [/the last RDB save failed \(rdb_last_bgsave_status:err\)/], severity: 'medium' },
    {
      name: 'the AOF write failed',
      facts: liveFacts({ now: NOW, conf: 'appendonly yes', info: persistence({ ...healthy, aof_enabled: 1, aof_last_write_status: 'err', aof_last_bgrewrite_status: 'ok' }) }),
      messages: [/the AOF is failing \(aof_last_write_status:err\)/],
    },
    {
      name: 'both the AOF write and rewrite failed',
      facts: liveFacts({ now: NOW, conf: 'appendonly yes', info: persistence({ ...healthy, aof_enabled: 1, aof_last_write_status: 'err', aof_last_bgrewrite_status: 'err' }) }),
      messages: [/aof_last_write_status:err/, /aof_last_bgrewrite_status:err/],
    },
    {
      name: 'the last save is 48 h old with unsaved changes',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - 48 * HOUR, rdb_changes_since_last_save: 5230 }) }),
      messages: [/the last successful save was 48\.0 h ago \(threshold 24 h\) and 5230 changes are not on disk/],
    },
    {
      name: 'a failed save and an old one',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_bgsave_status: 'err', rdb_last_save_time: NOW - 30 * HOUR }) }),
      messages: [/rdb_last_bgsave_status:err/, /30\.0 h ago/],
    },
    {
      name: 'settings unreadable, saves running, and the last one 48 h old with unsaved changes',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_bgsave_time_sec: 1, rdb_last_save_time: NOW - 48 * HOUR }), unavailable: { config: 'CONFIG GET: NOPERM' } }),
      messages: [/48\.0 h ago/],
    },
    {
      name: 'settings unreadable: a failed save still fails',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_bgsave_status: 'err', rdb_last_bgsave_time_sec: -1 }), unavailable: { config: 'CONFIG GET: NOPERM' } }),
      messages: [/rdb_last_bgsave_status:err/],
    },
    {
      name: 'server clock unreadable: the audit clock judges the age',
      facts: liveFacts({ info: persistence({ ...healthy, rdb_last_save_time: NOW - 48 * HOUR }), unavailable: { now: 'TIME: NOPERM' } }),
      messages: [/48\.0 h ago/],
    },
  ],
  skip: [
    { name: 'a sentinel keeps no data', facts: liveFacts({ mode: 'sentinel' }), message: /sentinel keeps no data/ },
    { name: 'no persistence configured (save "" and no AOF)', facts: liveFacts({ now: NOW, conf: 'save ""', info: persistence({ ...healthy, rdb_last_save_time: NOW - 72 * HOUR }) }), message: /see persistence\.none/ },
    { name: 'INFO not readable', facts: liveFacts({ unavailable: { info: 'INFO: NOPERM' } }), message: /NOPERM/ },
    {
      // A server with save "" audited without CONFIG: its last save time is its start, which proves nothing.
      name: 'settings unreadable and no background save since the start',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - HOUR, rdb_last_bgsave_time_sec: -1 }), unavailable: { config: 'CONFIG GET: NOPERM' } }),
      message: /whether RDB snapshots are configured is unknown/,
    },
    {
      name: 'no save since the start, changes waiting: whether saving works is not known yet',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, rdb_last_save_time: NOW - 0.5 * HOUR, rdb_changes_since_last_save: 7, rdb_last_bgsave_time_sec: -1, rdb_saves: 0 }) }),
      message: /^no save has run since the server started 0\.5 h ago \(rdb_saves:0\) and 7 changes are not on disk yet/,
    },
    {
      // 7.0+: a diskless full sync to a replica set rdb_last_bgsave_time_sec (0 s) and wrote no file.
      name: 'a master whose only "save" was a diskless sync to its replica: never saved (its save time is its start)',
      facts: liveFacts({ now: NOW, info: persistence({ ...healthy, uptime_in_seconds: 1800, rdb_last_save_time: NOW - 1800, rdb_changes_since_last_save: 3, rdb_last_bgsave_time_sec: 0, rdb_saves: 0 }) }),
      message: /^no save has run since the server started 0\.5 h ago \(rdb_saves:0\) and 3 changes are not on disk yet/,
    },
    { name: 'INFO without a persistence section', facts: liveFacts({ info: '# Server\nredis_version:7.0.15\n' }), message: /INFO persistence is not available/ },
  ],
});
