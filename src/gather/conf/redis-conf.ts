/**
 * redis.conf as redis-server reads it, in four steps, one file each:
 * - `tokenize.ts`: one file's text to directives (`parseConfText`), as `loadServerConfigFromString` splits it;
 * - `includes.ts`: a file and everything it includes, in the order the server applies them (`loadConf`);
 * - `effective.ts`: the configuration the server ends up with, in `CONFIG GET` form (`effectiveConfig`);
 * - `values.ts`: how each kind of value is checked and put in canonical form;
 * and `conf-errors.ts` for what the server refuses. This module is the public face of all of them.
 */
export { ConfigParseError, aclErrorText } from './conf-errors.ts';
export { parseConfText } from './tokenize.ts';
export type { Directive } from './tokenize.ts';
export { NeedInput, loadConf, topConfPath } from './includes.ts';
export type { LoadConfOptions, ParsedConf } from './includes.ts';
export { effectiveConfig } from './effective.ts';
export type { EffectiveConf, EffectiveOptions } from './effective.ts';
