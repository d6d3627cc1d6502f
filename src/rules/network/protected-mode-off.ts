import { defineRule, fail, pass } from '../define.ts';
import { atLeast, defaultUser, openToAnyone } from '../util.ts';

export default defineRule({
  id: 'network.protected-mode-off',
  title: 'Protected mode is on unless strong authentication is in place',
  severity: 'critical',
  section: 'Foundation',
  checklist: 'Foundation 2',
  sources: ['live', 'config'],
  remediation: 'Give the default user a password or disable it (`ACL SETUSER default off` / `user default off` in the ACL file), and set `protected-mode yes` (`CONFIG SET protected-mode yes`, then CONFIG REWRITE).',
  requires: ['config', 'acl'],
  check({ config, acl, server }) {
    const mode = config.get('protected-mode');
    const user = defaultUser(acl);
    if (!openToAnyone(acl)) {
      const state = !user ? 'there is no default user' : !user.enabled ? 'the default user is off' : 'the default user needs a password';
      return pass(`protected-mode is '${mode?.value ?? 'unknown'}' and ${state}, so clients must authenticate`, { source: mode?.source ?? acl.source });
    }
    if (!mode || mode.value === 'no') {
      return fail({
        message: `protected-mode is '${mode?.value ?? 'no'}' while the default user logs in without a password: anyone who reaches the port runs commands`,
        source: mode?.source ?? acl.source,
      });
    }
    // On 6.x protected mode only acts when no bind address is configured.
    const bind = config.get('bind')?.value.trim() ?? '';
    if (atLeast(server, 7, 0) === false && bind !== '') {
      return fail({
        message: `protected-mode is 'yes' but Redis 6 ignores it because bind is set ('${bind}'), and the default user logs in without a password`,
        source: config.get('bind')?.source ?? mode.source,
      });
    }
    return pass("protected-mode is 'yes': with a password-less default user only loopback and unix-socket clients are accepted", { source: mode.source });
  },
});
