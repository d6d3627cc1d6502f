import type { AclUser } from '../../facts/types.ts';

/** A user that can be logged into: on, and with a password or nopass. */
export function canLogIn(user: AclUser): boolean {
  return user.enabled && (user.nopass || user.passwords.length > 0);
}

/** SHA-256 of the empty string: `requirepass ""` and `>` set it. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
