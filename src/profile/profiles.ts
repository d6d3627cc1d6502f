/**
 * The hardening profiles, as versioned data (like Mozilla's TLS guidelines): `redfort harden`, `redfort fix`
 * and the rule fix texts all read them from here. Bump `PROFILE_VERSION` whenever a value below changes, so a
 * generated file's provenance header says which guideline produced it.
 */

export const PROFILE_VERSION = '1.0';

export type ProfileName = 'baseline' | 'strict';

export interface Profile {
  readonly name: ProfileName;
  /** The guideline's version, printed in every provenance header (`baseline 1.0`). */
  readonly version: string;
  readonly summary: string;
  /**
   * `baseline` never changes anything that would lock out an existing client without a new credential for it:
   * the plaintext port stays open and on its number. `strict` closes it (`port 0`) when certificates are
   * given, and moves the listener off 6379.
   */
  readonly tlsOnly: boolean;
  /** The port the profile moves the listener to, or undefined to keep the user's. */
  readonly port: number | undefined;
}

/** The non-default port of `strict` (the `network.default-port` remediation names the same). */
export const STRICT_PORT = 16379;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = Object.freeze({
  baseline: Object.freeze({
    name: 'baseline',
    version: PROFILE_VERSION,
    summary: 'every fix that keeps existing clients working once they use their new credential',
    tlsOnly: false,
    port: undefined,
  }),
  strict: Object.freeze({
    name: 'strict',
    version: PROFILE_VERSION,
    summary: 'baseline, plus TLS only (port 0) and a non-default port',
    tlsOnly: true,
    port: STRICT_PORT,
  }),
});

export function isProfileName(name: string): name is ProfileName {
  return name === 'baseline' || name === 'strict';
}

/** `baseline 1.0`: how a provenance header or a report names the profile. */
export function profileLabel(profile: Profile): string {
  return `${profile.name} ${profile.version}`;
}
