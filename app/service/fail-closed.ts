import type { Decision } from '../policy/decision.ts';
import { formatPolicyError } from '../policy/errors.ts';
import type { LoadResult } from '../policy/load.ts';

/** The decision for a repository whose policy files do not load: denied, citing the errors. */
export function failClosed(result: Extract<LoadResult, { ok: false }>): Decision {
  const shown = result.errors.slice(0, 5).map((e) => formatPolicyError(e).replace('\n', ';'));
  const more = result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : '';
  return {
    outcome: 'denied',
    auto: true,
    policies: [],
    reasons: [
      {
        rule: 'no_policy',
        message: `the policy files on the default branch are invalid, so every request is denied: ${shown.join(' | ')}${more}`,
      },
    ],
    requirements: [],
    token: null,
    timeout_seconds: null,
  };
}
