import { randomBytes } from 'node:crypto';
import type { FixProfile } from './profile.ts';

// Interim: replaced by the shared hardening profile (src/profile/, issue 13) as soon as it lands on main.

const ADMIN_COMMANDS = ['+config', '+acl', '+client', '+info', '+slowlog', '+latency', '+role', '+cluster|info', '+cluster|nodes', '+bgsave', '+bgrewriteaof', '+lastsave', '+command'];

export function interimProfile(prefix = ''): FixProfile {
  const users = { admin: `${prefix}admin`, replication: `${prefix}replication`, sentinel: `${prefix}sentinel`, auditor: `${prefix}auditor`, app: `${prefix}app` };
  return {
    users,
    rules(role) {
      switch (role) {
        case 'admin':
          return ['~*', '&*', '+@all', '-@dangerous', ...ADMIN_COMMANDS];
        case 'replication':
          return ['resetkeys', 'resetchannels', '-@all', '+psync', '+replconf', '+ping'];
        case 'sentinel':
          return ['resetkeys', '&__sentinel__:hello', '-@all', '+client', '+subscribe', '+publish', '+ping', '+info', '+multi', '+slaveof', '+replicaof', '+config', '+exec', '+role'];
        case 'auditor':
          return ['resetkeys', 'resetchannels', '-@all', '+info', '+config|get', '+acl|list', '+acl|cat', '+command|info', '+time', '+cluster|nodes'];
      }
    },
    appRules(defaultRules, selectors) {
      const kept = defaultRules.filter((r) => r !== '-@dangerous');
      return [...kept, '-@dangerous', ...selectors.map((s) => `(${s.join(' ')})`)];
    },
  };
}

export function generatePassword(): string {
  return randomBytes(32).toString('hex');
}
