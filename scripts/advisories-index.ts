// Writes data/advisories-index.json from data/advisories.json: where each record is, and what the version rules
// need to know before they read one (src/version/advisories.ts). Run after replacing data/advisories.json:
//   node --import tsx scripts/advisories-index.ts
// (test/version/advisories-index.test.ts fails while the two disagree.)
import { readFileSync, writeFileSync } from 'node:fs';
import { advisoryIndexText } from '../src/version/advisory-index.ts';

const text = advisoryIndexText(readFileSync('data/advisories.json'));
writeFileSync('data/advisories-index.json', text);
console.log(`data/advisories-index.json: ${text.length} bytes`);
