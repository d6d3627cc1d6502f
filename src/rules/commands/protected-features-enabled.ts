import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { exposure } from '../util.ts';
import { targetSettings } from '../../profile/index.ts';
import { resolveVersion } from '../../redis/directives.ts';
import { clipped } from '../../util/shown.ts';

/** The profile's settings for this rule (7.0+, where the directives exist). */
const PROTECTED = targetSettings(resolveVersion('7.0.0')).filter((s) => s.rule === 'commands.protected-features-enabled' && s.directive.startsWith('enable-'));

const SWITCHES = ['enable-debug-command', 'enable-module-command', 'enable-protected-configs'] as const;

/**
 * Redis 8's `lua-enable-deprecated-api`, Valkey's `lua-enable-insecure-api` (the config map keys it by Redis's name):
 * `yes` gives every script getfenv, setfenv and newproxy again, which Redis 8, Valkey and the CVE-2025-46818 fixes took
 * out of the Lua sandbox (src/script_lua.c `lua_builtins_deprecated`).
 */
const LUA = 'lua-enable-deprecated-api';

/** The name the server's own files and CONFIG GET use. */
function luaName(server: { readonly product?: string } | undefined): string {
  return server?.product === 'valkey' ? 'lua-enable-insecure-api' : LUA;
}

export default defineRule({
  id: 'commands.protected-features-enabled',
  title: 'DEBUG, MODULE and protected configs are closed to clients',
  severity: 'medium',
  section: 'Account',
  checklist: 'Account 6',
  sources: ['live', 'config'],
  remediation: `Set ${PROTECTED.map((s) => `\`${s.directive} ${s.value}\``).join(', ').replace(/, ([^,]*)$/, ' and $1')} in redis.conf and restart (they cannot be changed at run time). Where the server has it, set \`${LUA} no\` too (Valkey: \`lua-enable-insecure-api no\`, which \`CONFIG SET\` also changes from a client enable-protected-configs allows).`,
  requires: ['config'],
  check({ config, server, host }) {
    const present = SWITCHES.map((name) => ({ name, fact: config.get(name) })).filter((s) => s.fact !== undefined);
    // Only a value the server or a line of the files gives: the compiled default of a line that has the switch in
    // some patch releases only (7.2.11, not 7.2.6) says nothing of this server.
    const lua = config.get(LUA);
    const luaRead = lua !== undefined && lua.source.kind !== 'default' ? lua : undefined;
    const luaFinding: Finding[] =
      luaRead?.value === 'yes'
        ? [{ message: `${luaName(server)} is 'yes': every script gets getfenv, setfenv and newproxy, which Redis and Valkey took out of the Lua sandbox (the tools of sandbox escapes such as CVE-2025-46818's): any user allowed EVAL or FCALL may use them`, source: luaRead.source }]
        : [];
    if (present.length === 0) {
      if (luaFinding.length > 0) return fail(luaFinding);
      return skip('this server has no enable-*-command switches (Redis before 7.0): DEBUG and MODULE are gated only by ACL and rename-command');
    }
    // Files audited without a version are read with 7.x defaults, but 6.x has no such switch (Debian 11 and Ubuntu 22.04
    // ship 6.0): DEBUG and MODULE are then open to every user the ACL allows. Only a line of the files says the switch
    // exists (redis-server before 7.0 refuses to start with it).
    if (server?.version === undefined && present.every((s) => s.fact!.source.kind === 'default')) {
      if (luaFinding.length > 0) return fail(luaFinding);
      return skip('the files do not say which version runs them, and the enable-*-command switches exist from Redis 7.0 only (before, DEBUG and MODULE are gated by ACL and rename-command alone): pass --redis-version');
    }
    const exposed = exposure(config, server, host);
    const findings: Finding[] = [];
    const unjudged: string[] = [];
    for (const { name, fact } of present) {
      if (fact!.value === 'yes') findings.push({ message: `${name} is 'yes': any user allowed the command may use it from anywhere`, source: fact!.source });
      else if (fact!.value === 'local' && (exposed === 'public' || exposed === 'private')) {
        findings.push({ message: `${name} is 'local' on a server reachable beyond loopback: any local proxy or tunnel counts as local`, source: fact!.source });
      } else if (fact!.value === 'local' && exposed === 'unknown') unjudged.push(name);
    }
    findings.push(...luaFinding);
    if (findings.length > 0) return fail(findings);
    // 'local' matters only on a server reachable beyond loopback, which a host name in bind leaves unknown here.
    if (unjudged.length > 0) {
      return skip(`${unjudged.join(', ')} ${unjudged.length === 1 ? 'is' : 'are'} 'local', and bind names a host name not resolved here ('${clipped(config.get('bind')?.value.trim() ?? '')}'): whether the server is reachable beyond loopback is unknown`);
    }
    const shown = [...present.map(({ name, fact }) => `${name} '${clipped(fact!.value)}'`), ...(luaRead ? [`${luaName(server)} '${clipped(luaRead.value)}'`] : [])];
    return pass(shown.join(', '), { source: present[0]!.fact!.source });
  },
});
