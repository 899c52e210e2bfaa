import type { Metrics } from '../metrics.ts';
import {
  PAGE_VOTES_REFUSED,
  PAGE_VOTES_REFUSED_HELP,
  type PAGE_VOTE_REFUSALS,
} from '../metrics-catalogue.ts';

/** Why a vote from the page was refused before anything was written (a metric's label). */
export type Refusal = (typeof PAGE_VOTE_REFUSALS)[number];

/** The label of why a user cannot decide, as `whyCannotDecide` words it. */
export function refusalOf(why: string): Refusal {
  if (why.startsWith('the request has timed out')) return 'timed_out';
  if (why.startsWith('the request is already')) return 'decided';
  if (why.includes('self-approval')) return 'self_approval';
  return 'not_eligible';
}

export const countRefused = (metrics: Metrics, reason: Refusal): void =>
  metrics.count(PAGE_VOTES_REFUSED, PAGE_VOTES_REFUSED_HELP, { reason });
