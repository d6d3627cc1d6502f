import { userName } from '../profile/index.ts';

/** The names of the users fix generates: the hardening profile's (src/profile/), after `--user-prefix`. */
export interface FixUsers {
  readonly admin: string;
  readonly replication: string;
  readonly sentinel: string;
  readonly auditor: string;
  /** What clients of the default user move to. */
  readonly app: string;
}

export function fixUsers(prefix = ''): FixUsers {
  return {
    admin: userName('admin', prefix),
    replication: userName('replication', prefix),
    sentinel: userName('sentinel', prefix),
    auditor: userName('auditor', prefix),
    app: userName('app', prefix),
  };
}
