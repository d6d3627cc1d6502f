import { defineRule, fail, pass } from '../define.ts';

export default defineRule({
  id: 'host.runs-as-root',
  title: 'Redis runs as an unprivileged user',
  severity: 'high',
  section: 'Foundation',
  checklist: 'Foundation 4',
  sources: ['host'],
  remediation: 'Run redis-server and redis-sentinel as a dedicated user (User=redis in the systemd unit; runAsNonRoot in Kubernetes).',
  requires: ['host'],
  check({ host }) {
    const p = host.process;
    const who = `pid ${p.pid} (${p.name})`;
    const user = p.user ?? `uid ${p.uid.effective}`;
    const group = p.group ?? `gid ${p.gid.effective}`;
    const findings = [];
    if (p.uid.real === 0 || p.uid.effective === 0) {
      findings.push({ message: `${who} runs as root (uid ${p.uid.real}, effective uid ${p.uid.effective})`, source: p.source });
    }
    if (p.gid.real === 0 || p.gid.effective === 0) {
      findings.push({ message: `${who} runs with the root group (gid ${p.gid.real}, effective gid ${p.gid.effective})`, source: p.source });
    }
    if (findings.length > 0) return fail(findings);
    return pass(`${who} runs as ${user} (uid ${p.uid.effective}), group ${group} (gid ${p.gid.effective})`, { source: p.source });
  },
});
