import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './loglevel-too-quiet.ts';

const conf = (text: string) => liveFacts({ conf: text });

ruleTester(rule, {
  pass: [
    { name: 'notice, the default', facts: conf(''), message: /loglevel is 'notice'/ },
    { name: 'verbose', facts: conf('loglevel verbose') },
    { name: 'debug', facts: conf('loglevel debug') },
  ],
  fail: [
    { name: 'warning', facts: conf('loglevel warning'), messages: [/loglevel is 'warning'/], severity: 'low' },
    // 'nothing' came with 7.2: 7.0.15 refuses to start with it.
    { name: 'nothing (7.2+)', facts: liveFacts({ conf: 'loglevel nothing', version: '7.2.6', info: '# Server\nredis_version:7.2.6\n' }), messages: [/loglevel is 'nothing'/] },
    { name: 'written in upper case', facts: conf('loglevel WARNING'), messages: [/loglevel is 'warning'/] },
  ],
  skip: [{ name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) }],
});
