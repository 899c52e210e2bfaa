import { asVotes, isActor, recordedMembership, same } from '../domain/vote.ts';
import { AppError } from '../errors.ts';
import { type Membership } from '../policy/request.ts';
import { ownerOf } from '../domain/claims.ts';
import type { StoredRequest } from '../domain/request.ts';
import type { StoredVote } from '../domain/vote.ts';
import { updateNotice } from '../notify/notifier.ts';
import type { ApprovalService } from './approval-service.ts';
import { IGNORED_SHOWN } from './click-screen.ts';
import { toApprovalRequest } from '../domain/request.ts';

/** A vote as read from its webhook delivery: a click on a check run, or a comment command. */
export interface VoteInput {
  /** The request, by its check run (a button) or its id (a comment command). */
  checkRunId?: number;
  requestId?: string;
  /** The repository the webhook names (`repository.id`). */
  repositoryId: string;
  /** For a button: the app the check run belongs to (`check_run.app.id`). */
  appId?: number | undefined;
  /** The button or command: `approve` or `deny`. */
  identifier: string;
  sender: { id: number; login: string };
  deliveryId: string;
  /** What the voter wrote with the vote (comment commands); buttons carry none. */
  comment?: string | null;
}

/** Whether a vote counted, and why not when it did not. */
export type VoteResult = { counted: true } | { counted: false; reason: string };

/** Records a click that changes nothing, once per delivery, and shows it on the check run. */
async function ignore(
  service: ApprovalService,
  r: StoredRequest,
  input: VoteInput,
  reason: string,
): Promise<VoteResult> {
  const login = input.sender.login;
  r.ignoredTotal = (r.ignoredTotal ?? r.ignoredVotes.length) + 1;
  r.ignoredVotes = [
    ...r.ignoredVotes,
    { login, reason, at: service.deps.now(), delivery: input.deliveryId },
  ].slice(-IGNORED_SHOWN);
  await service.saveShown(r, [
    { type: 'vote_ignored', data: { voter: login, reason, delivery: input.deliveryId } },
  ]);
  return { counted: false, reason };
}

/**
 * A reviewer clicked Approve or Deny (delivery `input.deliveryId`, which arrived at `at`) on the
 * check run of request `requestId`. Authorizes the sender (listed user or active team member, not
 * the actor or whoever re-ran the run unless self-approval is allowed), records the vote and
 * decides again, held to the terms the request showed; votes on closed requests change nothing.
 * Processing the same delivery again (a redelivery, the sweep, after a failure part-way) records
 * and audits it once, and finishes the decision it may have left undone.
 */
export async function processVote(
  service: ApprovalService,
  requestId: string,
  input: VoteInput,
  at: number,
): Promise<VoteResult> {
  // A save that loses to another writer is decided again on what that writer saved.
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await service.locks.run(requestId, () => decideVote(service, input, requestId, at));
      await service.afterwards(requestId); // the decision shown, once the steps it resumed are answered
      return result;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict') || attempt === 3) throw err;
    }
  }
}

/** Teams whose members may vote on `r`: today's governing policies' and the shown terms'. */
async function votingTeams(service: ApprovalService, r: StoredRequest): Promise<string[]> {
  const [owner, repo] = r.claims.repository.split('/') as [string, string];
  const policies = await service.deps.github.loadPolicies(
    r.installationId,
    owner,
    repo,
    ownerOf(r.claims).id,
  );
  const request = toApprovalRequest(r);
  const now = policies.ok
    ? policies.policies.flatMap((p) =>
        p.match(request)
          ? [
              ...p.teams,
              ...p.escalations.flatMap((e) => e.teams),
              ...(request.emergency ? (p.breakGlass?.teams ?? []) : []),
            ]
          : [],
      )
    : [];
  const shown =
    r.terms?.requirements.flatMap((q) => [...q.teams, ...(q.escalate ?? []).flatMap((e) => e.teams)]) ?? [];
  return [...new Set([...now, ...shown])];
}

/**
 * Membership as it is now for the team votes a decision relies on: a member removed from a team
 * after voting no longer counts for it.
 */
async function currentMembership(
  service: ApprovalService,
  r: StoredRequest,
  votes: readonly StoredVote[],
): Promise<Membership> {
  const membership: Record<string, string[]> = {};
  for (const v of votes)
    for (const t of v.teams)
      if (await service.deps.github.isActiveMember(r.installationId, t, v.voterLogin))
        (membership[t] ??= []).push(v.voterLogin);
  return membership;
}

async function decideVote(
  service: ApprovalService,
  input: VoteInput,
  requestId: string,
  at: number,
): Promise<VoteResult> {
  const { store, github, now } = service.deps;
  const r = (await store.getRequest(requestId))!;
  const { id, login } = input.sender;
  if ((await store.votes(r.id)).some((v) => v.delivery === input.deliveryId)) {
    if (r.status === 'pending') await decide(service, r); // recorded by an earlier try
    return { counted: true };
  }
  const earlier = r.ignoredVotes.find((v) => v.delivery === input.deliveryId);
  if (earlier) return { counted: false, reason: earlier.reason };
  if (input.identifier !== 'approve' && input.identifier !== 'deny')
    return ignore(service, r, input, `unknown button "${input.identifier}"`);
  if (r.status !== 'pending')
    return ignore(service, r, input, `the request is already ${r.status.replace('_', ' ')}`);
  if (now() >= r.expiresAt) {
    await service.timeOut(r); // not sweep(): it would wait on the lock held here
    return { counted: false, reason: 'the request had timed out' };
  }
  const active: string[] = [];
  for (const team of await votingTeams(service, r))
    if (await github.isActiveMember(r.installationId, team, login)) active.push(team);
  const decision = input.identifier === 'approve' ? 'approve' : 'deny';
  const probe = await service.judge(
    r,
    [{ user: login, id, decision }],
    Object.fromEntries(active.map((t) => [t, [login]])),
  );
  if (!probe.policies.ok) {
    await service.finalize(r, 'denied', probe.decision);
    return { counted: false, reason: 'the policy files on the default branch are invalid' };
  }
  const counted =
    probe.decision.reasons.some((x) => x.rule === 'deny_vote') ||
    probe.decision.requirements.some((q) => q.approved_by.some((l) => same(l, login)));
  if (!counted) {
    if (probe.decision.outcome === 'denied' && probe.decision.requirements.length === 0) {
      await service.finalize(r, 'denied', probe.decision); // a freeze or window now applies
      return { counted: false, reason: 'a time rule of the policies denies the request now' };
    }
    const self = isActor(r, input.sender);
    return ignore(
      service,
      r,
      input,
      self
        ? 'started or re-ran the run, and self-approval is not allowed'
        : 'is not an eligible approver (not listed, and not an active member of a listed team)',
    );
  }
  // Not written when an earlier try wrote it, or the voter's stored vote came later: decided as is.
  await store.putVote(
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
        at: now(),
      },
    ],
  );
  await decide(service, r);
  return { counted: true };
}

/** Decides again on the votes stored, and stores and shows the outcome. */
async function decide(service: ApprovalService, r: StoredRequest): Promise<void> {
  const votes = await service.deps.store.votes(r.id);
  let next = await service.judge(r, asVotes(votes), recordedMembership(votes));
  // An approval that counts team votes is checked against membership as it is now.
  if (next.decision.outcome === 'approved' && votes.some((v) => v.teams.length > 0))
    next = await service.judge(r, asVotes(votes), await currentMembership(service, r, votes));
  r.terms = next.terms;
  if (next.decision.outcome === 'pending') {
    r.decision = next.decision;
    await service.saveShown(r);
    return updateNotice(service, r);
  }
  return service.finalize(r, next.decision.outcome, next.decision, { stepsFirst: true });
}
