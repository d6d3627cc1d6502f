import { defineRule } from '../define.ts';

export default defineRule({
  id: 'data.client-side-encryption',
  title: 'Sensitive values are encrypted by the client',
  severity: 'info',
  section: 'Foundation',
  checklist: 'Foundation 10',
  sources: [],
  remediation: 'Encrypt sensitive values in the application before they reach Redis (envelope encryption with a KMS), so RDB/AOF files, replicas and backups never hold them in clear text.',
  requires: [],
  check() {
    return {
      status: 'manual',
      message: 'which data is sensitive is the owner\'s call: check that secrets and personal data are encrypted by the application before they are written',
    };
  },
});
