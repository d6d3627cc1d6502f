import type { RuleContext, Thresholds } from './define.ts';
import { DEFAULT_THRESHOLDS } from './define.ts';
import { isCommonPassword } from './common-passwords.ts';
import { shortPasswords } from './short-passwords.ts';

/** What every rule is judged with: the thresholds (defaults filled in), the password lists and the audit's clock. */
export function ruleContext(options: { readonly thresholds?: Partial<Thresholds> | undefined; readonly nowSeconds?: number | undefined } = {}): RuleContext {
  return {
    thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    isCommonPassword,
    shortPasswords,
    nowSeconds: options.nowSeconds ?? Math.floor(Date.now() / 1000),
  };
}
