// Writes the filter of short passwords' SHA-256 (src/rules/short-passwords.ts) to the file named, for the build:
// dist/short-passwords.bin, read at run time instead of computing the table for every hash.
import { writeFileSync } from 'node:fs';
import { shortPasswordFilter } from '../src/rules/short-passwords.ts';

writeFileSync(process.argv[2]!, shortPasswordFilter());
