import { rawPipeline } from './harness/raw.ts';
import { bulk, err, startFakeServer } from './helpers/fake-resp-server.ts';
import { encodeReply } from './helpers/config-proxy.ts';
import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { host: string; port: number; password?: string; bulk?: Record<string, string>; raw?: Record<string, string> };
const s = await startFakeServer(async (argv) => {
  const key = argv.map((a) => a.toUpperCase()).join(' ');
  if (key === 'HELLO' || key.startsWith('HELLO ')) return err('ERR unknown command');
  if (key.startsWith('AUTH')) return '+OK\r\n';
  for (const [k, v] of Object.entries(cfg.raw ?? {})) if (key === k) return v;
  for (const [k, v] of Object.entries(cfg.bulk ?? {})) if (key === k) return bulk(v);
  const replies = await rawPipeline(cfg.host, cfg.port, cfg.password ? [['AUTH', cfg.password], argv] : [argv]);
  const reply = replies[replies.length - 1];
  return encodeReply(reply ?? null);
});
console.log(s.port);
