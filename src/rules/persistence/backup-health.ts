import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { infoField } from '../../redis/info.ts';
import { clipped } from '../../util/shown.ts';

export default defineRule({
  id: 'persistence.backup-health',
  title: 'The last save succeeded and is recent',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 13',
  sources: ['live'],
  remediation: 'Find why saving fails in the log (disk full, `dir` not writable, fork refused: vm.overcommit_memory), then copy the RDB/AOF files to a remote location on a schedule.',
  requires: ['info'],
  check({ info, config, now, server }, { thresholds, nowSeconds }) {
    if (server?.mode === 'sentinel') return skip('a sentinel keeps no data set: nothing to back up');
    const source = { kind: 'live' as const, command: 'INFO persistence' };
    const rdbStatus = infoField(info, 'rdb_last_bgsave_status');
    const aofEnabled = infoField(info, 'aof_enabled') === '1';
    if (rdbStatus === undefined) return skip('INFO persistence is not available');
    const bgsaved = infoField(info, 'rdb_last_bgsave_time_sec');
    const lastSave = Number(infoField(info, 'rdb_last_save_time') ?? NaN);
    const uptime = Number(infoField(info, 'uptime_in_seconds') ?? NaN);
    // rdb_last_save_time starts as the server's start (initServer: lastsave = time(NULL), 6.0 to 8.0) and moves only
    // when an RDB file is written (SAVE, BGSAVE, FLUSHALL with save points): more than a second past the start (on the
    // server's own clock, TIME) a save ran. Else rdb_saves (7.0+) counts SAVE and BGSAVE, but not the snapshot a diskless full sync
    // streams to a replica (the 7.0+ default), which sets rdb_last_bgsave_time_sec all the same (rdb.c
    // backgroundSaveDoneHandler) and writes no file; before 7.0, rdb_last_bgsave_time_sec is -1 until a BGSAVE.
    const savedSinceStart = now !== undefined && Number.isFinite(uptime) && Number.isFinite(lastSave) ? lastSave > now.value - uptime + 1 : undefined;
    const saves = infoField(info, 'rdb_saves');
    const neverSaved = savedSinceStart === true ? false : saves !== undefined ? saves === '0' : bgsaved === '-1';
    const unsavedEvidence = saves !== undefined ? `rdb_saves:${saves}` : `rdb_last_bgsave_time_sec:${bgsaved ?? '?'}`;
    // Without the settings, whether snapshots are configured is unknown: a save since the server started shows
    // they run; else nothing says so.
    const rdbEnabled = config ? (config.get('save')?.value.trim() ?? '') !== '' : !neverSaved && (bgsaved !== undefined || savedSinceStart === true) ? true : undefined;
    const findings: Finding[] = [];
    if (rdbStatus !== 'ok') findings.push({ message: `the last RDB save failed (rdb_last_bgsave_status:${rdbStatus})`, source });
    for (const field of ['aof_last_write_status', 'aof_last_bgrewrite_status']) {
      const status = infoField(info, field);
      if (aofEnabled && status !== undefined && status !== 'ok') findings.push({ message: `the AOF is failing (${field}:${status})`, source });
    }
    const changes = Number(infoField(info, 'rdb_changes_since_last_save') ?? 0);
    // Without TIME, the audit's own clock stands in for the server's.
    const ageHours = Number.isFinite(lastSave) ? ((now?.value ?? nowSeconds) - lastSave) / 3600 : undefined;
    const last = (hours: number) => (neverSaved ? `no save has run since the server started ${hours.toFixed(1)} h ago` : `the last successful save was ${hours.toFixed(1)} h ago`);
    if (rdbEnabled && !aofEnabled && ageHours !== undefined && ageHours > thresholds.backupMaxAgeHours && changes > 0) {
      findings.push({
        message: `${last(ageHours)} (threshold ${thresholds.backupMaxAgeHours} h) and ${changes} changes are not on disk`,
        source,
      });
    }
    if (findings.length > 0) return fail(findings);
    if (rdbEnabled === undefined && !aofEnabled) {
      return skip('whether RDB snapshots are configured is unknown (the settings could not be read) and none ran since the server started: a recent save time is only its start');
    }
    if (!rdbEnabled && !aofEnabled) return skip('no persistence is configured: see persistence.none');
    // A server that has not saved yet has not shown that saving works: its status 'ok' is the initial value.
    if (neverSaved && !aofEnabled) {
      const since = ageHours === undefined ? '' : ` ${ageHours.toFixed(1)} h ago`;
      if (changes > 0) {
        return skip(`no save has run since the server started${since} (${unsavedEvidence}) and ${changes} changes are not on disk yet: whether saving works shows at the first save point (save '${clipped(config?.get('save')?.value.trim() ?? '?')}')`);
      }
      return pass(`nothing changed since the server started${since} (rdb_changes_since_last_save:0): nothing waits to be saved; copying the files off this host is for you to check`, { source });
    }
    const age = ageHours === undefined ? '' : `, last save ${ageHours.toFixed(1)} h ago`;
    return pass(`saves are healthy (rdb_last_bgsave_status:${rdbStatus}${aofEnabled ? `, aof_last_write_status:${infoField(info, 'aof_last_write_status')}` : ''}${age}); copying the files off this host is for you to check`, { source });
  },
});
