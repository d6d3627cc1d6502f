import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';

const WEAK = new Set(['tlsv1', 'tlsv1.1']);

export default defineRule({
  id: 'tls.weak-protocols',
  title: 'Only TLS 1.2 and 1.3 are accepted',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 2',
  sources: ['live', 'config', 'probe'],
  remediation: 'Set `tls-protocols "TLSv1.2 TLSv1.3"` (quoted in redis.conf; `CONFIG SET tls-protocols "TLSv1.2 TLSv1.3"`).',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const protocols = config.get('tls-protocols');
    const value = protocols?.value.trim() ?? '';
    if (value === '') return pass('tls-protocols is unset: the default is TLSv1.2 and TLSv1.3', { source: protocols?.source });
    const weak = value.split(/\s+/).filter((p) => WEAK.has(p.toLowerCase()));
    if (weak.length > 0) {
      return fail({ message: `tls-protocols is '${value}': ${weak.join(' and ')} ${weak.length > 1 ? 'are' : 'is'} broken (BEAST, POODLE-era CBC, SHA-1 handshakes)`, source: protocols?.source });
    }
    return pass(`tls-protocols is '${value}'`, { source: protocols?.source });
  },
});
