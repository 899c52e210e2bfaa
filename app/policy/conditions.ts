import { compileGlobs, type Matcher } from './glob.ts';
import type { ApprovalRequest } from './request.ts';
import type { Conditions } from './types.generated.ts';

export const CONDITION_KEYS = ['action', 'environment', 'ref', 'event', 'workflow', 'actor'] as const;
export type ConditionKey = (typeof CONDITION_KEYS)[number];

export type RequestTest = (request: ApprovalRequest) => boolean;

/** Keys compared without case, as GitHub compares them: logins and environment names. */
const NOCASE: readonly ConditionKey[] = ['actor', 'environment'];

/**
 * Every key given must match; a key the request lacks (no environment) never matches. A run has
 * two actors (who started it, and who re-ran it): with `actors: 'any'` (a policy's `match`) an
 * `actor` glob matches if either does, so a re-run never takes a run out of a policy's reach; with
 * `actors: 'all'` (`auto_approve`) both must match, so a re-run never earns an automatic approval.
 */
export function compileConditions(c: Conditions, actors: 'any' | 'all'): RequestTest {
  const tests: [ConditionKey, Matcher][] = [];
  for (const key of CONDITION_KEYS) {
    const patterns = c[key];
    if (patterns) tests.push([key, compileGlobs(patterns, { nocase: NOCASE.includes(key) })]);
  }
  if (tests.length === 0) return () => true;
  return (request) => {
    for (const [key, matches] of tests) {
      if (key === 'actor') {
        const who = [request.actor, request.triggering_actor ?? request.actor].filter((a) => a !== '');
        if (who.length === 0 || !(actors === 'any' ? who.some(matches) : who.every(matches))) return false;
        continue;
      }
      const value = request[key];
      if (value === undefined || value === '' || !matches(value)) return false;
    }
    return true;
  };
}
