#!/usr/bin/env node
// The bundled CLI; `npm run build` makes it. Running from a checkout without a build says so.
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(bundle) || !existsSync(new URL('../dist/cli-main.cjs', import.meta.url))) {
  process.stderr.write("redfort: the CLI is not built yet: run 'npm install' (or 'npm run build')\n");
  process.exit(2);
}
await import(bundle.href);
