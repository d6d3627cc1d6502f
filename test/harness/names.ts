import { lookup } from 'node:dns/promises';

/**
 * A host name other than localhost that resolves to 127.0.0.1, for the tests that need a name (not an address) of
 * this machine: `bind NAME`, a target named by host name. scripts/test.sh adds it to /etc/hosts for the run when it
 * runs as root; elsewhere the test fails and says what to add (a skip would hide the case on CI).
 */
export const LOOPBACK_NAME = process.env.REDFORT_TEST_LOOPBACK_NAME || 'redfort-loopback.test';

export async function loopbackName(): Promise<string> {
  const found = await lookup(LOOPBACK_NAME, { family: 4 }).catch(() => undefined);
  if (found?.address !== '127.0.0.1') {
    throw new Error(`this test needs the host name '${LOOPBACK_NAME}' to resolve to 127.0.0.1 (${found?.address ?? 'it does not resolve'}): run the tests as root (scripts/test.sh adds it to /etc/hosts for the run) or add '127.0.0.1 ${LOOPBACK_NAME}' to /etc/hosts`);
  }
  return LOOPBACK_NAME;
}
