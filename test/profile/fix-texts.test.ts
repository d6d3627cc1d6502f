import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIX_CLASSES } from '../../src/fix/plan.ts';
import {
  ACCEPTED_LOGLEVELS, PERSISTENCE_SAVE, DEFAULT_LOGFILE, loopbackBind, ownershipText, roleRules, STRICT_PORT, targetSettings,
  TLS_CIPHERS, TLS_PREFER_SERVER_CIPHERS, TLS_PROTOCOLS, tlsDirectives, userName,
} from '../../src/profile/index.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import { RULES } from '../../src/rules/index.ts';

// Issue 11: the rules' fix texts and the hardening profile (src/profile/, what `harden` and `fix` apply) are one
// source. Each fix text must carry the profile's machine-applicable form of its fix, so that following the text
// and running `fix` or `harden` give the same server.

const v7 = resolveVersion('7.0.15');
const tls = new Map(tlsDirectives({ cert: 'c', key: 'k', ca: 'a' }, { tlsPort: 1, cluster: true }).map((d) => [d.directive, d.value]));
const setting = (rule: string) => targetSettings(v7, 'strict').filter((s) => s.rule === rule && s.directive !== 'acl-pubsub-default').map((s) => `${s.directive} ${s.value}`);

/** The profile's form of each rule's fix, which its fix text must contain word for word. */
const FORMS: Readonly<Record<string, readonly string[]>> = {
  'tls.weak-ciphers': [`tls-ciphers ${TLS_CIPHERS}`, `CONFIG SET tls-ciphers ${TLS_CIPHERS}`],
  'tls.weak-protocols': [`tls-protocols "${TLS_PROTOCOLS}"`, `CONFIG SET tls-protocols "${TLS_PROTOCOLS}"`],
  'tls.server-ciphers-not-preferred': [`tls-prefer-server-ciphers ${TLS_PREFER_SERVER_CIPHERS}`, `CONFIG SET tls-prefer-server-ciphers ${TLS_PREFER_SERVER_CIPHERS}`],
  'tls.client-auth-disabled': [`tls-auth-clients ${tls.get('tls-auth-clients')}`, 'CONFIG SET tls-auth-clients yes'],
  'tls.cluster-bus-plaintext': [`tls-cluster ${tls.get('tls-cluster')}`],
  'tls.replication-plaintext': [`tls-replication ${tls.get('tls-replication')}`],
  'tls.disabled': [`tls-port ${STRICT_PORT}`, 'port 0'],
  'network.protected-mode-off': [...setting('network.protected-mode-off'), 'CONFIG SET protected-mode yes'],
  'network.default-port': [...setting('network.default-port'), `CONFIG SET port ${STRICT_PORT}`],
  'network.bind-all-interfaces': [`bind ${loopbackBind(v7).join(' ')}`],
  'logging.syslog-disabled': setting('logging.syslog-disabled'),
  'logging.loglevel-too-quiet': [`loglevel ${ACCEPTED_LOGLEVELS[0]}`, `CONFIG SET loglevel ${ACCEPTED_LOGLEVELS[0]}`],
  'logging.no-logfile': [`logfile ${DEFAULT_LOGFILE}`],
  'commands.protected-features-enabled': setting('commands.protected-features-enabled'),
  'commands.dangerous-not-renamed': ['-@dangerous'],
  'auth.acl-file-missing': ['aclfile <config dir>/users.acl', 'users-<name>.acl', ownershipText('acl'), ownershipText('config-dir')],
  'auth.no-authentication': ['ACL SETUSER default off'],
  'auth.default-user-enabled': ['ACL SETUSER default off'],
  'auth.requirepass-used': ['ACL SETUSER default off resetpass', 'CONFIG SET requirepass ""'],
  'auth.weak-password': ['ACL SETUSER <user> resetpass >'],
  // fix's CONFIG REWRITE / ACL SAVE write the users as hashes and drop requirepass once it is "".
  'auth.plaintext-passwords': ['`#<sha256>`', 'move requirepass to an ACL user'],
  'auth.dangerous-commands-allowed': ['-@dangerous'],
  'replication.no-masteruser': [`ACL SETUSER ${userName('replication')} on >… ${roleRules('replication', v7).filter((r) => /^[-+]/.test(r)).join(' ')}`, `masteruser ${userName('replication')}`],
  'sentinel.no-auth-user': [`sentinel auth-user <master> ${userName('sentinel')}`, roleRules('sentinel', v7).filter((r) => /^[-+]/.test(r)).join(' ')],
  'persistence.none': [`save ${PERSISTENCE_SAVE}`, `CONFIG SET save "${PERSISTENCE_SAVE}"`],
  'tls.plaintext-port-open': ['port 0', 'CONFIG SET port 0'],
  'host.config-file-permissions': [ownershipText('config'), ownershipText('config-dir')],
  'host.data-file-permissions': [ownershipText('data-dir'), ownershipText('data')],
  'tls.key-file-permissions': [ownershipText('tls-key')],
};

describe('fix texts carry the hardening profile', () => {
  for (const [id, forms] of Object.entries(FORMS)) {
    it(id, () => {
      const rule = RULES.find((r) => r.id === id);
      assert.ok(rule, `no rule ${id}`);
      assert.ok(forms.length > 0, `the profile has no form for ${id}`);
      for (const form of forms) assert.ok(rule.remediation.includes(form), `${id}: the fix text lacks \`${form}\`:\n${rule.remediation}`);
    });
  }

  it('every rule fix closes has its fix text checked here', () => {
    assert.deepEqual([...FIX_CLASSES.keys()].filter((id) => !(id in FORMS)), []);
  });

  it('no fix text suggests a setting another rule fails: the default port, a world-readable or root-owned config file', () => {
    for (const rule of RULES) {
      assert.doesNotMatch(rule.remediation, /\b(tls-)?port 6379\b/, `${rule.id} suggests port 6379, which network.default-port fails`);
      assert.doesNotMatch(rule.remediation, /root:redis (and chmod )?0?6[04]0 (redis\.conf|the ACL file|config)/i, `${rule.id}: a root-owned config or ACL file breaks CONFIG REWRITE / ACL SAVE`);
      assert.doesNotMatch(rule.remediation, /chmod 0?6[0-4]4\b/, `${rule.id} suggests a world-readable file`);
    }
  });
});
