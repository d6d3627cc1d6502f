import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import type { SystemdFacts } from '../../facts/types.ts';
import { parseSystemctlShow, parseUnitFiles } from '../../gather/host/systemd.ts';
import rule from './service-hardening.ts';

// Debian 12's redis-server.service (redis-server 5:7.0.15-1~deb12u*), comments left out.
const DEBIAN_UNIT = `# /lib/systemd/system/redis-server.service
[Unit]
Description=Advanced key-value store
After=network.target
Documentation=http://redis.io/documentation, man:redis-server(1)
[Service]
Type=notify
ExecStart=/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no
PIDFile=/run/redis/redis-server.pid
TimeoutStopSec=0
Restart=always
User=redis
Group=redis
RuntimeDirectory=redis
RuntimeDirectoryMode=2755
UMask=007
PrivateTmp=true
LimitNOFILE=65535
PrivateDevices=true
ProtectHome=true
ProtectSystem=strict
ReadWritePaths=-/var/lib/redis
ReadWritePaths=-/var/log/redis
ReadWritePaths=-/var/run/redis
CapabilityBoundingSet=
LockPersonality=true
MemoryDenyWriteExecute=true
NoNewPrivileges=true
PrivateUsers=true
ProtectClock=true
ProtectControlGroups=true
ProtectHostname=true
ProtectKernelLogs=true
ProtectKernelModules=true
ProtectKernelTunables=true
ProtectProc=invisible
RemoveIPC=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~ @privileged @resources
ReadWriteDirectories=-/etc/redis
NoExecPaths=/
ExecPaths=/usr/bin/redis-server /usr/lib /lib
[Install]
WantedBy=multi-user.target
Alias=redis.service
`;
/** An older style of unit: ProtectSystem=true (only /usr and /boot) and a few capabilities kept. */
const LOOSE_UNIT = `# /etc/systemd/system/redis.service
[Service]
ExecStart=/usr/local/bin/redis-server /etc/redis.conf
User=redis
PrivateTmp=yes
NoNewPrivileges=true
ProtectSystem=true
CapabilityBoundingSet=CAP_SETGID CAP_SETUID
CapabilityBoundingSet=CAP_SYS_RESOURCE
`;
const HARDENED: SystemdFacts = {
  unit: 'redis-server.service', user: 'redis', dynamicUser: false, noNewPrivileges: true, protectSystem: 'strict', privateTmp: true,
  capabilityBoundingSet: [], ambientCapabilities: [], execStart: undefined,
};
const SHOW_BARE = 'User=\nDynamicUser=no\nNoNewPrivileges=no\nProtectSystem=no\nPrivateTmp=no\nCapabilityBoundingSet=cap_chown cap_dac_override cap_dac_read_search cap_fowner cap_fsetid cap_kill cap_setgid cap_setuid cap_setpcap cap_linux_immutable cap_net_bind_service cap_net_broadcast cap_net_admin cap_net_raw cap_ipc_lock cap_ipc_owner cap_sys_module cap_sys_rawio cap_sys_chroot cap_sys_ptrace cap_sys_pacct cap_sys_admin cap_sys_boot cap_sys_nice cap_sys_resource cap_sys_time cap_sys_tty_config cap_mknod cap_lease cap_audit_write cap_audit_control cap_setfcap cap_mac_override cap_mac_admin cap_syslog cap_wake_alarm cap_block_suspend cap_audit_read cap_perfmon cap_bpf cap_checkpoint_restore\nAmbientCapabilities=\n';

ruleTester(rule, {
  pass: [
    { name: 'a hardened unit', facts: withHost({ systemd: HARDENED }), message: /^redis-server\.service: User=redis, NoNewPrivileges=yes, ProtectSystem=strict, PrivateTmp=yes, no capabilities$/ },
    { name: 'DynamicUser=yes instead of User=', facts: withHost({ systemd: { ...HARDENED, user: '', dynamicUser: true } }), message: /DynamicUser=yes/ },
    { name: 'Debian 12\'s unit as shipped (systemctl cat)', facts: withHost({ systemd: parseUnitFiles('redis-server.service', DEBIAN_UNIT) }), message: /ProtectSystem=strict/ },
    {
      name: 'a loose unit fixed by a drop-in',
      facts: withHost({ systemd: parseUnitFiles('redis.service', `${LOOSE_UNIT}\n# /etc/systemd/system/redis.service.d/override.conf\n[Service]\nProtectSystem=strict\nCapabilityBoundingSet=\n`) }),
    },
  ],
  fail: [
    {
      name: 'ProtectSystem=true and capabilities kept over two lines',
      facts: withHost({ systemd: parseUnitFiles('redis.service', LOOSE_UNIT) }),
      messages: [/^redis\.service: ProtectSystem= is 'yes' \(full or strict needed\); CapabilityBoundingSet= keeps cap_setgid cap_setuid cap_sys_resource$/],
      severity: 'low',
    },
    {
      name: 'a bare unit (systemctl show)',
      facts: withHost({ systemd: parseSystemctlShow('redis.service', SHOW_BARE) }),
      messages: [/^redis\.service: User= is not set \(the service runs as root\); NoNewPrivileges= is not yes; ProtectSystem= is 'no' \(full or strict needed\); PrivateTmp= is not yes; CapabilityBoundingSet= keeps all$/],
    },
    { name: 'ambient capabilities granted', facts: withHost({ systemd: { ...HARDENED, ambientCapabilities: ['cap_net_bind_service'] } }), messages: [/AmbientCapabilities= grants cap_net_bind_service/] },
  ],
  skip: [
    { name: 'not a systemd service', facts: withHost({ systemd: null }), message: /is not run by a systemd service/ },
    { name: 'the unit cannot be read', facts: withHost({ systemd: 'the process runs in redis.service, but neither systemctl nor its unit file could be read' }), message: /neither systemctl/ },
  ],
});
