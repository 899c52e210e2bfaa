import type { CompiledPolicy } from '../policy/compiled.ts';
import type { Decision, Reason, TokenGrant } from '../policy/decision.ts';
import { formatDuration } from '../policy/duration.ts';
import { formatPermissions, intersectPermissions } from '../policy/permissions.ts';
import type { Actors, Membership, Vote } from '../policy/request.ts';
import { tallyVotes } from '../policy/votes.ts';
import type { Level } from '../policy/permissions.ts';

/**
 * What reviewers were shown when the check run first appeared: the token and the approvals it
 * takes. A policy change while pending may narrow these, never widen them.
 */
export interface Terms {
  token: { permissions: Record<string, Level>; ttl_seconds: number } | null;
  requirements: {
    policy: string;
    required: number;
    users: string[];
    teams: string[];
    self_approval: boolean;
    /** Its escalations as shown: approvers who become eligible after a wait. */
    escalate?: { after_seconds: number; users: string[]; teams: string[] }[];
  }[];
}

/** What a pending decision shows reviewers: its token and the approvals it takes. */
export function termsOf(d: Decision): Terms {
  return {
    token: d.token && { permissions: { ...d.token.permissions }, ttl_seconds: d.token.ttl_seconds },
    requirements: d.requirements.map((q) => ({
      policy: q.policy,
      required: q.required,
      users: [...q.approvers.users],
      teams: [...q.approvers.teams],
      self_approval: q.self_approval,
      ...(q.escalate && { escalate: q.escalate.map((e) => ({ ...e })) }),
    })),
  };
}

/** The shown requirements with the escalations that are due after `waited` seconds added. */
function withDueEscalations(shown: Terms['requirements'], waited: number): Terms['requirements'] {
  return shown.map((q) => {
    const due = (q.escalate ?? []).filter((e) => waited >= e.after_seconds);
    if (due.length === 0) return q;
    const users = [...q.users, ...due.flatMap((e) => e.users)];
    const teams = [...q.teams, ...due.flatMap((e) => e.teams)];
    return { ...q, users: [...new Set(users)], teams: [...new Set(teams)] };
  });
}

const lower = (xs: readonly string[]): Set<string> => new Set(xs.map((x) => x.toLowerCase()));
const both = (a: readonly string[], b: readonly string[]): string[] => {
  const keep = lower(b);
  return a.filter((x) => keep.has(x.toLowerCase()));
};

/** The stricter of two grants: the permissions both allow, the shorter TTL; none if either has none. */
function narrowToken(a: Terms['token'], b: TokenGrant | null): Terms['token'] {
  if (!a || !b) return null;
  const permissions = intersectPermissions([a.permissions, b.permissions]);
  if (Object.keys(permissions).length === 0) return null;
  return { permissions, ttl_seconds: Math.min(a.ttl_seconds, b.ttl_seconds) };
}

/**
 * Requirements that are at least as strict as both: a policy in both needs the larger count from
 * approvers listed in both; a policy in only one keeps its own. So a policy change can add
 * approvals or remove approvers, never take approvals away or add approvers.
 */
function narrowRequirements(
  shown: Terms['requirements'],
  now: Decision['requirements'],
): Terms['requirements'] {
  const out = new Map(shown.map((q) => [q.policy, { ...q }]));
  for (const q of now) {
    const was = out.get(q.policy);
    out.set(
      q.policy,
      was
        ? {
            policy: q.policy,
            required: Math.max(was.required, q.required),
            users: both(was.users, q.approvers.users),
            teams: both(was.teams, q.approvers.teams),
            self_approval: was.self_approval && q.self_approval,
            ...(was.escalate && { escalate: was.escalate }),
          }
        : {
            policy: q.policy,
            required: q.required,
            users: [...q.approvers.users],
            teams: [...q.approvers.teams],
            self_approval: q.self_approval,
          },
    );
  }
  return [...out.values()];
}

/** A requirement as the policy shape the vote tally reads. */
function asPolicy(q: Terms['requirements'][number]): CompiledPolicy {
  return {
    name: q.policy,
    description: '',
    file: '',
    line: 0,
    match: () => true,
    actions: null,
    guard: false,
    users: lower(q.users),
    userList: q.users,
    teams: q.teams,
    required: q.required,
    selfApproval: q.self_approval,
    reasonRequired: false,
    autoApprove: [],
    windows: [],
    freeze: [],
    timeoutSeconds: 0,
    token: null,
    notify: { github: 'none', webhooks: [], remindEverySeconds: null },
    escalations: [],
    breakGlass: null,
  };
}

/** Reasons of `now` that the tally against the terms replaces. */
const RETALLIED = new Set<Reason['rule']>([
  'approvals',
  'self_approval',
  'ineligible_vote',
  'deny_vote',
  'auto_approve',
  'token',
]);

/**
 * Holds a decision made under today's policies to the terms reviewers were shown: the outcome is
 * approved only when the votes meet the (possibly narrowed) terms, and the token is never more
 * than the terms allow. Denials by today's policies (a freeze, a deny vote) stand as they are.
 * Returns the bound decision and the narrowed terms to store.
 */
export function bindToTerms(
  terms: Terms | null,
  now: Decision,
  votes: readonly Vote[],
  membership: Membership,
  actors: Actors,
  waitedSeconds = 0,
): { decision: Decision; terms: Terms | null } {
  if (!terms || now.outcome === 'denied') return { decision: now, terms };
  const narrowed: Terms = {
    token: narrowToken(terms.token, now.token),
    requirements: narrowRequirements(withDueEscalations(terms.requirements, waitedSeconds), now.requirements),
  };
  const tally = tallyVotes(narrowed.requirements.map(asPolicy), votes, membership, actors);
  const met = tally.requirements.every((q) => q.remaining === 0);
  const outcome = tally.denied ? 'denied' : met ? 'approved' : 'pending';
  const token = outcome === 'denied' ? null : narrowed.token;
  const tokenReason: Reason = token
    ? {
        rule: 'token',
        message: `token: ${formatPermissions(token.permissions)} for ${formatDuration(token.ttl_seconds)} (at most what the request showed when it was first shown)`,
      }
    : { rule: 'token', message: 'no token: the policies, as shown or as they are now, grant none' };
  // Once its approvers were asked, a request no longer waits on checks: they decide.
  const { awaiting, ...asked } = now;
  return {
    decision: {
      ...asked,
      outcome,
      auto: false,
      reasons: [
        ...now.reasons.filter(
          (x) => !RETALLIED.has(x.rule) && !(awaiting && x.rule === 'evidence' && !x.policy),
        ),
        ...tally.reasons,
        ...(outcome === 'denied' ? [] : [tokenReason]),
      ],
      requirements: tally.requirements,
      token,
    },
    terms: narrowed,
  };
}
