import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './no-ip-restriction.ts';

const PUBLIC = [{ family: 'ip' as const, address: '0.0.0.0', port: 6379 }];
const nft = (ruleset: string, listeners = PUBLIC) => withHost({ listeners, firewall: { nft: ruleset } });

const RESTRICTED = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		ip saddr 10.0.4.0/24 tcp dport { 6379, 16379 } accept
		tcp dport 22 accept
	}
}
`;
const OPEN_POLICY = `table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state invalid drop
	}
}
`;
const UFW_LIKE = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:ufw-user-input - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -j ufw-user-input
-A ufw-user-input -p tcp -m tcp --dport 22 -j ACCEPT
-A ufw-user-input -p tcp -m tcp --dport 6379 -j ACCEPT
COMMIT
`;

ruleTester(rule, {
  pass: [
    { name: 'nft: policy drop, 6379 from one subnet', facts: nft(RESTRICTED), message: /^0\.0\.0\.0:6379: accepted only from nft inet filter input: ip saddr 10\.0\.4\.0\/24 tcp dport \{ 6379, 16379 \} accept \(else policy drop of chain inet filter input\)$/ },
    { name: 'nft: a drop for everyone else after the allowed sources', facts: nft(OPEN_POLICY.replace('ct state invalid drop', 'ip saddr @app_servers tcp dport 6379 accept\n\t\ttcp dport 6379 drop').replace('table inet filter {', 'table inet filter {\n\tset app_servers {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.5, 10.0.0.6 }\n\t}')) },
    { name: 'iptables-save: only from 10.0.0.0/8', facts: withHost({ listeners: PUBLIC, firewall: { iptables: UFW_LIKE.replace('-p tcp -m tcp --dport 6379', '-s 10.0.0.0/8 -p tcp -m tcp --dport 6379') } }), message: /accepted only from iptables filter ufw-user-input: -A ufw-user-input -s 10\.0\.0\.0\/8/ },
    { name: 'nft: a private interface only', facts: nft(RESTRICTED.replace('ip saddr 10.0.4.0/24 tcp dport', 'iifname "eth1" tcp dport')) },
    { name: 'nft and legacy iptables: one filter closing the port is enough', facts: withHost({ listeners: PUBLIC, firewall: { nft: OPEN_POLICY, iptables: UFW_LIKE.replace('--dport 6379 -j ACCEPT', '--dport 6379 -j DROP') } }) },
  ],
  fail: [
    { name: 'nft: policy accept', facts: nft(OPEN_POLICY), messages: [/^0\.0\.0\.0:6379 accepts connections from any address: policy accept of chain inet filter input$/], severity: 'low' },
    { name: 'nft: an accept for the port from anywhere', facts: nft(RESTRICTED.replace('ip saddr 10.0.4.0/24 ', '')), messages: [/accepts connections from any address: nft inet filter input: tcp dport \{ 6379, 16379 \} accept/] },
    { name: 'no filter at all (empty ruleset)', facts: nft(''), messages: [/nft: no input filter chain for IPv4/] },
    { name: 'iptables-save: ufw allows 6379 from anywhere', facts: withHost({ listeners: PUBLIC, firewall: { iptables: UFW_LIKE } }), messages: [/iptables filter ufw-user-input: -A ufw-user-input -p tcp -m tcp --dport 6379 -j ACCEPT/] },
    { name: 'a source-port rule lets anyone in', facts: nft(RESTRICTED.replace('tcp dport 22 accept', 'tcp sport 53 accept')), messages: [/tcp sport 53 accept/] },
    {
      name: 'the client port is restricted but the cluster bus port is not',
      facts: nft(OPEN_POLICY.replace('ct state invalid drop', 'ip saddr != 10.0.4.0/24 tcp dport 6379 drop'), [...PUBLIC, { family: 'ip', address: '0.0.0.0', port: 16379 }]),
      messages: [/^0\.0\.0\.0:16379 accepts connections from any address: policy accept/],
    },
  ],
  skip: [
    { name: 'loopback only', facts: withHost({ listeners: [{ family: 'ip', address: '127.0.0.1', port: 6379 }, { family: 'ip6', address: '::1', port: 6379 }], firewall: 'never read' }), message: /^the server listens only on loopback \(127\.0\.0\.1:6379, \[::1\]:6379\) and unix sockets/ },
    { name: 'the ruleset cannot be read', facts: withHost({ listeners: PUBLIC, firewall: 'the packet filter cannot be read (nft: Operation not permitted): run redfort as root or with CAP_NET_ADMIN' }), message: /Operation not permitted/ },
    { name: 'an IPv6 listener with only iptables-save read', facts: withHost({ listeners: [{ family: 'ip6', address: '::', port: 6379 }], firewall: { iptables: UFW_LIKE } }), message: /no IPv6 ruleset was read/ },
    { name: 'a match redfort cannot judge decides', facts: nft(OPEN_POLICY.replace('ct state invalid drop', 'meta mark 0x1 tcp dport 6379 drop')), message: /cannot be judged \(nft inet filter input: meta mark 0x1 tcp dport 6379 drop\)/ },
    { name: 'another filter could not be read', facts: withHost({ listeners: PUBLIC, firewall: { nft: OPEN_POLICY, unreadable: ['iptables-save: Permission denied'] } }), message: /iptables-save: Permission denied/ },
  ],
});
