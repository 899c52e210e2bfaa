import { compileGlobs, type Matcher } from './glob.ts';
import type { ApprovalRequest } from './request.ts';
import type { Conditions } from './types.generated.ts';

export const CONDITION_KEYS = ['action', 'environment', 'ref', 'event', 'workflow', 'actor'] as const;
export type ConditionKey = (typeof CONDITION_KEYS)[number];

export type RequestTest = (request: ApprovalRequest) => boolean;

/** Every key given must match; a key the request lacks (no environment) never matches. */
export function compileConditions(c: Conditions): RequestTest {
  const tests: [ConditionKey, Matcher][] = [];
  for (const key of CONDITION_KEYS) {
    const patterns = c[key];
    if (patterns) tests.push([key, compileGlobs(patterns, { nocase: key === 'actor' })]);
  }
  if (tests.length === 0) return () => true;
  return (request) => {
    for (const [key, matches] of tests) {
      const value = request[key];
      if (value === undefined || value === '' || !matches(value)) return false;
    }
    return true;
  };
}
