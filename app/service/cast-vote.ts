import { checkRunEffect } from '../domain/effects.ts';
import type { StoredRequest } from '../domain/request.ts';
import {
  asVotes,
  isActor,
  recordedMembership,
  same,
  type StoredVote,
  type VoteInput,
  type VoteResult,
} from '../domain/vote.ts';
import type { Membership } from '../policy/request.ts';
import { finalize } from './finalize.ts';
import { decideUnderPolicies, keepSignals } from './decide-under-policies.ts';
import { reshown } from './open.ts';
import type { Ports } from './ports.ts';
import { IGNORED_SHOWN } from './ignored-clicks.ts';
import { timeOut } from './time-out.ts';
import { votingTeams } from './voting-teams.ts';

type VotePorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'metrics' | 'log'>;

/** Records a vote that changes nothing, once per delivery, and shows it on the check run. */
async function ignore(p: VotePorts, r: StoredRequest, input: VoteInput, reason: string): Promise<VoteResult> {
  const login = input.sender.login;
  r.ignoredTotal = (r.ignoredTotal ?? r.ignoredVotes.length) + 1;
  r.ignoredVotes = [...r.ignoredVotes, { login, reason, at: p.now(), delivery: input.deliveryId }].slice(
    -IGNORED_SHOWN,
  );
  await p.ledger.save(r, {
    audit: [{ type: 'vote_ignored', data: { voter: login, reason, delivery: input.deliveryId } }],
    effects: [checkRunEffect(r.id)],
  });
  return { counted: false, reason };
}

/**
 * Membership as it is now for the team votes a decision relies on: a member removed from a team
 * after voting no longer counts for it.
 */
async function currentMembership(
  p: VotePorts,
  r: StoredRequest,
  votes: readonly StoredVote[],
): Promise<Membership> {
  const membership: Record<string, string[]> = {};
  for (const v of votes)
    for (const t of v.teams)
      if (await p.github.isActiveMember(r.installationId, t, v.voterLogin))
        (membership[t] ??= []).push(v.voterLogin);
  return membership;
}

/**
 * A reviewer's vote (delivery `input.deliveryId`, which arrived at `at`) on request `r`, under its
 * lock. Authorizes the sender (listed user or active team member, not the actor or whoever re-ran
 * the run unless self-approval is allowed, by account id), records the vote and decides again,
 * held to the terms the request showed; votes on closed requests change nothing. Processing the
 * same delivery again (a redelivery, the sweep, after a failure part-way) records and audits it
 * once, and finishes the decision it may have left undone. `stepsWaiting`: whether steps wait for
 * this request's token now (its decision's effects then wait for them).
 */
export async function castVote(
  p: VotePorts,
  r: StoredRequest,
  input: VoteInput,
  at: number,
  stepsWaiting: (r: StoredRequest) => boolean,
): Promise<VoteResult> {
  const { ledger, github, now } = p;
  const { id, login } = input.sender;
  if ((await ledger.votes(r.id)).some((v) => v.delivery === input.deliveryId)) {
    if (r.status === 'pending') await decide(p, r, stepsWaiting); // recorded by an earlier try
    return { counted: true };
  }
  const earlier = r.ignoredVotes.find((v) => v.delivery === input.deliveryId);
  if (earlier) return { counted: false, reason: earlier.reason };
  if (input.identifier !== 'approve' && input.identifier !== 'deny')
    return ignore(p, r, input, `unknown button "${input.identifier}"`);
  if (r.status !== 'pending')
    return ignore(p, r, input, `the request is already ${r.status.replace('_', ' ')}`);
  if (now() >= r.expiresAt) {
    await timeOut(p, r);
    return { counted: false, reason: 'the request had timed out' };
  }
  const active: string[] = [];
  for (const team of await votingTeams(p, r))
    if (await github.isActiveMember(r.installationId, team, login)) active.push(team);
  const decision = input.identifier === 'approve' ? 'approve' : 'deny';
  const probe = await decideUnderPolicies(
    p,
    r,
    [{ user: login, id, decision }],
    Object.fromEntries(active.map((t) => [t, [login]])),
  );
  if (!probe.policies.ok) {
    await finalize(p, r, 'denied', probe.decision);
    return { counted: false, reason: 'the policy files on the default branch are invalid' };
  }
  const counted =
    probe.decision.reasons.some((x) => x.rule === 'deny_vote') ||
    probe.decision.requirements.some((q) => q.approved_by.some((l) => same(l, login)));
  if (!counted) {
    if (probe.decision.outcome === 'denied' && probe.decision.requirements.length === 0) {
      await finalize(p, r, 'denied', probe.decision); // a freeze or window now applies
      return { counted: false, reason: 'a time rule of the policies denies the request now' };
    }
    return ignore(
      p,
      r,
      input,
      isActor(r, input.sender)
        ? 'started or re-ran the run, and self-approval is not allowed'
        : 'is not an eligible approver (not listed, and not an active member of a listed team)',
    );
  }
  // Not written when an earlier try wrote it, or the voter's stored vote came later: decided as is.
  await ledger.putVote(
    {
      requestId: r.id,
      voterId: id,
      voterLogin: login,
      decision,
      at,
      teams: active,
      delivery: input.deliveryId,
      comment: input.comment ?? null,
    },
    [
      {
        type: 'vote',
        data: {
          voter: login,
          voter_id: id,
          decision,
          teams: active,
          delivery: input.deliveryId,
          ...(input.comment && { comment: input.comment }),
        },
      },
    ],
  );
  await decide(p, r, stepsWaiting);
  return { counted: true };
}

/** Decides again on the votes stored, and stores and shows the outcome. */
async function decide(
  p: VotePorts,
  r: StoredRequest,
  stepsWaiting: (r: StoredRequest) => boolean,
): Promise<void> {
  const votes = await p.ledger.votes(r.id);
  let next = await decideUnderPolicies(p, r, asVotes(votes), recordedMembership(votes));
  // An approval that counts team votes is checked against membership as it is now.
  if (next.decision.outcome === 'approved' && votes.some((v) => v.teams.length > 0))
    next = await decideUnderPolicies(p, r, asVotes(votes), await currentMembership(p, r, votes));
  r.terms = next.terms;
  keepSignals(r, next.signals);
  if (next.decision.outcome === 'pending') {
    r.decision = next.decision;
    await p.ledger.save(r, { effects: reshown(r) });
    return;
  }
  const resumes = next.decision.outcome === 'approved' && next.decision.token !== null && stepsWaiting(r);
  await finalize(p, r, next.decision.outcome, next.decision, { stepsFirst: resumes });
}
