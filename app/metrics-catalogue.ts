import type { Metrics } from './metrics.ts';

export const EVIDENCE_READS_HELP =
  'Reads of live evidence about a commit for auto_approve entries, by kind and outcome (read, or unreadable: the entry does not match).';

const each = (key: string, values: readonly string[]) => values.map((v) => ({ [key]: v }));

/**
 * Every counter the app exposes, declared at start so that a scrape sees each series (at 0) before
 * its first event: a rate or an alert on `jit_decisions_total{outcome="denied"}` works from the
 * first minute. GitHub calls are labelled by route and status as they happen (help and type only).
 */
export function declareCounters(metrics: Metrics, notifyTargets: Iterable<string>): void {
  metrics.declare(
    'jit_requests_total',
    'Requests by first outcome.',
    each('outcome', ['approved', 'denied', 'pending']),
  );
  metrics.declare(
    'jit_decisions_total',
    'Final decisions by outcome.',
    each('outcome', ['approved', 'denied', 'timed_out', 'cancelled']),
  );
  metrics.declare('jit_tokens_minted_total', 'Installation tokens minted.');
  metrics.declare(
    'jit_evidence_reads_total',
    EVIDENCE_READS_HELP,
    ['checks', 'pull_request', 'changes', 'verified_commit'].flatMap((kind) =>
      ['read', 'unreadable'].map((outcome) => ({ kind, outcome })),
    ),
  );
  metrics.declare('jit_break_glass_total', 'Requests approved through a break-glass override.');
  metrics.declare(
    'jit_tokens_revoked_total',
    'Installation tokens revoked.',
    each('why', [
      'ttl',
      'job_completed',
      'run_completed',
      'step_cancelled',
      'leg_conflict',
      'grant_failed',
      'never_handed_over',
    ]),
  );
  metrics.declare(
    'jit_token_revoke_failures_total',
    'Tokens the app could not revoke (audited as token_revoke_failed); they lapse at their expiry.',
  );
  metrics.declare('jit_notification_failures_total', 'GitHub comments and issues that could not be written.');
  metrics.declare(
    'jit_notifications_total',
    'Chat and webhook notifications by target and outcome.',
    [...notifyTargets].flatMap((target) =>
      each('outcome', ['delivered', 'failed', 'refused']).map((o) => ({ target, ...o })),
    ),
    ['target', 'outcome'],
  );
  metrics.declare(
    'jit_command_replies_total',
    'Answers to comment commands that changed nothing.',
    each('outcome', ['sent', 'suppressed']),
  );
  metrics.declare(
    'jit_votes_ignored_total',
    'Votes that changed nothing (not eligible, the actor, decided).',
  );
  metrics.declare(
    'jit_announcements_total',
    "Waiting requests of forks' runs by whether their approvers were told: announced, or quiet (the account that started the run had 3 waiting in the repository).",
    each('outcome', ['announced', 'quiet']),
  );
  metrics.declare(
    'jit_policy_checks_total',
    'Policy checks asked for by pushes and pull requests, by outcome: checked, unchanged (the pull request changes no policy file), over_budget (the sender had its policy checks for the hour).',
    each('outcome', ['checked', 'unchanged', 'over_budget']),
  );
  metrics.declare(
    'jit_effects_total',
    'Effects on GitHub and chat done by the outbox worker, by kind and outcome.',
    [],
  );
  metrics.declare('jit_github_api_calls_total', GITHUB_CALLS_HELP, [], ['route', 'status']);
  metrics.declare(PAGE_VOTES_REFUSED, PAGE_VOTES_REFUSED_HELP, each('reason', PAGE_VOTE_REFUSALS));
}

export const PAGE_VOTES_REFUSED = 'jit_page_votes_refused_total';
export const PAGE_VOTES_REFUSED_HELP =
  'Votes from the approval page refused before anything was written (no vote, audit event or journal row), by reason.';
/**
 * Why: the form did not come from the app's page for this session (`form`), or is not a vote
 * (`bad_form`); no session (`signed_out`); no such request, or one the user cannot read
 * (`not_found`); the request is decided (`decided`) or timed out (`timed_out`); the voter started
 * or re-ran the run (`self_approval`); or is neither listed nor an active member of a listed team
 * (`not_eligible`).
 */
export const PAGE_VOTE_REFUSALS = [
  'form',
  'bad_form',
  'signed_out',
  'not_found',
  'decided',
  'timed_out',
  'self_approval',
  'not_eligible',
] as const;

export const GITHUB_CALLS_HELP =
  'GitHub API calls by route and answer: the HTTP status, or "error" when none came (network, timeout).';
