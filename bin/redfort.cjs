#!/usr/bin/env node
// The `redfort` command (package.json "bin"); `npm run build` makes what it runs. Running from a checkout without a
// build says so. CommonJS, as the built CLI is (dist/cli.cjs, src/cli/start.ts): a start loads no ES module loader.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '..', 'dist');
if (!existsSync(join(dist, 'cli.cjs')) || !existsSync(join(dist, 'cli-main.cjs'))) {
  process.stderr.write("redfort: the CLI is not built yet: run 'npm install' (or 'npm run build')\n");
  process.exit(2);
}
require(join(dist, 'cli.cjs'));
