#!/usr/bin/env node
// The built CLI; `npm run build` makes it. Running from a checkout without a build says so. The CLI is CommonJS
// (dist/cli.cjs, src/cli/start.ts): this file is the one ES module a run loads.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
if (!existsSync(new URL('../dist/cli.cjs', import.meta.url)) || !existsSync(new URL('../dist/cli-main.cjs', import.meta.url))) {
  process.stderr.write("redfort: the CLI is not built yet: run 'npm install' (or 'npm run build')\n");
  process.exit(2);
}
createRequire(import.meta.url)('../dist/cli.cjs');
