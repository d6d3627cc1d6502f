import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RULES } from '../../src/rules/index.ts';
import { parseSettings } from '../../src/settings/parse.ts';

const ROOT = new URL('../../', import.meta.url);

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(path: string): string[] {
  const text = readFileSync(new URL(path, ROOT), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('settings examples in the docs', () => {
  for (const path of ['docs/configuration.md', 'README.md']) {
    it(`${path}: every .redfort.yaml example is valid`, () => {
      const blocks = yamlBlocks(path);
      assert.ok(blocks.length > 0, `no yaml block in ${path}`);
      for (const block of blocks) {
        const settings = parseSettings(block, path, { ruleIds: RULES.map((r) => r.id) });
        assert.ok(settings.suppressions.length > 0 || settings.disabled.size > 0, block);
      }
    });
  }
});
