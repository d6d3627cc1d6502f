#!/usr/bin/env node
// The same command as bin/redfort.cjs (package.json's "bin"), for those who run `node bin/redfort.mjs`: an ES
// module, so Node's ES module loader starts first (about 10 ms more than bin/redfort.cjs).
import './redfort.cjs';
