import type { ServerIdentity } from '../../facts/types.ts';
import type { Verdict } from '../define.ts';
import { skip } from '../define.ts';
import { branchOf } from '../../version/range.ts';
import { shownVersion } from '../../redis/version.ts';

export interface KnownVersion {
  readonly product: 'redis' | 'valkey';
  readonly version: string;
  readonly branch: string;
}

/** The product version advisories are matched on, or why it cannot be. */
export function knownVersion(server: ServerIdentity): KnownVersion | Verdict {
  if (server.product === 'unknown' || !server.version) {
    return skip(server.source.kind === 'file' ? 'the files do not say which version runs them: pass --redis-version' : 'the server did not report its version');
  }
  // Unstable builds and the revoked Valkey 8.0.8 report 255.255.255.
  if (server.version === '255.255.255') return skip("the server reports version 255.255.255 (an unstable build): its fixes are unknown");
  // What INFO says is the server's to write: a megabyte or terminal escapes after '7.0.15' are no version to quote.
  if (shownVersion(server.version) !== server.version) return skip(`the version the server reports cannot be read (${server.version.length} characters, not up to 64 of [0-9A-Za-z.+~_-])`);
  const branch = branchOf(server.version);
  if (!branch) return skip(`the version '${server.version}' cannot be read`);
  return { product: server.product, version: server.version, branch };
}

export function isVerdict(value: KnownVersion | Verdict): value is Verdict {
  return 'status' in value;
}
