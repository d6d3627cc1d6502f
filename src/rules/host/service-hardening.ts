import { defineRule, fail, pass, skip } from '../define.ts';

export default defineRule({
  id: 'host.service-hardening',
  title: 'The systemd unit confines the Redis process',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 4',
  sources: ['host'],
  remediation: 'Add a drop-in (systemctl edit redis-server) with User=redis, NoNewPrivileges=yes, ProtectSystem=strict with ReadWritePaths= for dir and the log directory, PrivateTmp=yes, and empty CapabilityBoundingSet= and AmbientCapabilities=.',
  requires: ['host'],
  check({ host }) {
    const systemd = host.systemd;
    if (!systemd.known) return skip(systemd.reason);
    const unit = systemd.value;
    if (unit === null) return skip(`pid ${host.process.pid} (${host.process.name}) is not run by a systemd service (a container, a supervisor, an init script or a manual start)`);
    const missing: string[] = [];
    if (!unit.dynamicUser && (unit.user === '' || unit.user === 'root' || unit.user === '0')) missing.push(unit.user === '' ? 'User= is not set (the service runs as root)' : `User= is '${unit.user}'`);
    if (!unit.noNewPrivileges) missing.push('NoNewPrivileges= is not yes');
    if (unit.protectSystem !== 'full' && unit.protectSystem !== 'strict') missing.push(`ProtectSystem= is '${unit.protectSystem}' (full or strict needed)`);
    if (!unit.privateTmp) missing.push('PrivateTmp= is not yes');
    if (unit.capabilityBoundingSet.length > 0) missing.push(`CapabilityBoundingSet= keeps ${unit.capabilityBoundingSet.join(' ')}`);
    if (unit.ambientCapabilities.length > 0) missing.push(`AmbientCapabilities= grants ${unit.ambientCapabilities.join(' ')}`);
    if (missing.length > 0) return fail({ message: `${unit.unit}: ${missing.join('; ')}`, source: systemd.source });
    const user = unit.dynamicUser ? 'DynamicUser=yes' : `User=${unit.user}`;
    return pass(`${unit.unit}: ${user}, NoNewPrivileges=yes, ProtectSystem=${unit.protectSystem}, PrivateTmp=yes, no capabilities`, { source: systemd.source });
  },
});
