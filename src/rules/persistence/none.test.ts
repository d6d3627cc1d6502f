import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './none.ts';

const conf = (text: string, version?: string) => liveFacts({ conf: text, ...(version ? { version } : {}) });

ruleTester(rule, {
  pass: [
    { name: 'the compiled RDB save points', facts: conf(''), message: /RDB \(save '3600 1 300 100 60 10000'\)/ },
    { name: 'AOF only', facts: conf('save ""\nappendonly yes\nappendfsync always'), message: /^persistence: AOF \(appendfsync always\)$/ },
    { name: 'both', facts: conf('save 900 1\nappendonly yes'), message: /RDB \(save '900 1'\) and AOF/ },
  ],
  fail: [
    { name: 'save "" and no AOF', facts: conf('save ""\nappendonly no'), messages: [/neither RDB nor AOF is enabled/], severity: 'low' },
    // 6.0 drops its compiled save points whenever it starts with a config file.
    { name: '6.0 started with a config file without save lines', facts: conf('port 6379', '6.0.20'), messages: [/neither RDB nor AOF/] },
  ],
  skip: [
    { name: 'a sentinel keeps no data', facts: liveFacts({ mode: 'sentinel', conf: 'save ""' }), message: /sentinel keeps no data/ },
    { name: 'a sentinel without CONFIG: its settings are only in sentinel.conf', facts: liveFacts({ mode: 'sentinel', unavailable: { config: 'a sentinel has no CONFIG command: its settings are only in sentinel.conf' } }), message: /sentinel\.conf/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
