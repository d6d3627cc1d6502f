import { defineRule, fail, pass, skip } from '../define.ts';
import { ownershipText } from '../../profile/index.ts';
import { sentinelWithoutAclUsers } from '../../redis/directives.ts';
import { clipped } from '../../util/shown.ts';

export default defineRule({
  id: 'auth.acl-file-missing',
  title: 'Users live in an external ACL file',
  severity: 'low',
  section: 'Account',
  checklist: 'Account 4',
  sources: ['live', 'config'],
  remediation: `Set \`aclfile <config dir>/users.acl\`, a new file beside the config file (\`users-<name>.acl\` beside a \`<name>.conf\`, as harden and fix name it; never an existing file: it may be another server's users; ${ownershipText('acl')}, in a directory the redis user may write, ${ownershipText('config-dir')}: ACL SAVE writes a temporary file beside it and renames it), move the \`user\` lines there, and manage users with ACL SETUSER + ACL SAVE; aclfile needs a restart.`,
  requires: ['config'],
  check({ config, server }) {
    const aclfile = config.get('aclfile');
    if (!aclfile) return skip('this server has no aclfile setting (Redis before 6.0 has no ACL)');
    // redis@6.0.20 src/server.c main(): ACLLoadUsersAtStartup() runs only outside sentinel mode.
    if (sentinelWithoutAclUsers(server)) {
      return skip('a Redis 6.0 sentinel loads no ACL file (nor user lines): ACL users for Sentinel need 6.2 or later');
    }
    if (aclfile.value === '') {
      return fail({ message: "aclfile is '': users are defined in redis.conf or only at run time, not in a file that ACL SAVE and ACL LOAD manage", source: aclfile.source });
    }
    return pass(`aclfile is '${clipped(aclfile.value)}'`, { source: aclfile.source });
  },
});
