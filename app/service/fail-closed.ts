import type { Decision } from '../policy/decision.ts';
import { formatPolicyError } from '../policy/errors.ts';
import type { LoadResult } from '../policy/load.ts';
import { ORG_POLICIES_UNREADABLE } from '../policy/org-policies.ts';

const preface = (result: Extract<LoadResult, { ok: false }>): string =>
  result.errors.every((e) => e.rule === ORG_POLICIES_UNREADABLE)
    ? "the organization's policies are mandatory and cannot be read"
    : 'the policy files on the default branch are invalid';

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
        message: `${preface(result)}, so every request is denied: ${shown.join(' | ')}${more}`,
      },
    ],
    requirements: [],
    token: null,
    timeout_seconds: null,
  };
}
