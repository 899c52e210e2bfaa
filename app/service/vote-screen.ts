import type { StoredRequest } from '../domain/request.ts';
import { isActor, type VoteInput } from '../domain/vote.ts';
import type { Ports } from './ports.ts';

const lower = (s: string): string => s.toLowerCase();

/**
 * Why a vote cannot count, known without the request's lock from what is stored: its sender is
 * neither a listed approver (nor one of an escalation that is due) nor an active member of a
 * listed team, or is an actor where no requirement allows self-approval. Undefined: it may count,
 * and goes the locked way. A policy change while the request waits can only narrow its terms, so
 * what is stored never understates who may vote.
 */
export async function cannotCount(
  p: Pick<Ports, 'github' | 'now'>,
  r: StoredRequest,
  input: Pick<VoteInput, 'identifier' | 'sender'>,
): Promise<string | undefined> {
  if (r.status !== 'pending') return `the request is already ${r.status.replace('_', ' ')}`;
  if (input.identifier !== 'approve' && input.identifier !== 'deny')
    return `unknown button "${input.identifier}"`;
  const login = lower(input.sender.login);
  const waited = (p.now() - r.createdAt) / 1000;
  const shown = r.terms?.requirements ?? [];
  const due = shown.flatMap((q) => (q.escalate ?? []).filter((e) => waited >= e.after_seconds));
  const requirements = r.decision.requirements;
  if (isActor(r, input.sender) && !requirements.some((q) => q.self_approval))
    return 'started or re-ran the run, and self-approval is not allowed';
  const users = [...requirements.flatMap((q) => q.approvers.users), ...due.flatMap((e) => e.users)];
  if (users.map(lower).includes(login)) return undefined;
  const teams = new Set([...requirements.flatMap((q) => q.approvers.teams), ...due.flatMap((e) => e.teams)]);
  // A screen: a recent answer will do (a stranger's repeats cost one call per team per period);
  // a vote that passes is judged on a fresh one under the lock (cast-vote.ts).
  for (const team of teams)
    if (await p.github.isActiveMember(r.installationId, team, input.sender.login, { cached: true }))
      return undefined;
  return 'is not an eligible approver (not listed, and not an active member of a listed team)';
}

/**
 * Why `user` cannot decide request `r` now (the approval page), by the rules a vote is held to; the
 * request must still be waiting. Undefined when they can. The vote itself is judged again, under
 * the request's lock, when it is cast.
 */
export async function whyCannotDecide(
  p: Pick<Ports, 'github' | 'now'>,
  r: StoredRequest,
  user: { id: number; login: string },
): Promise<string | undefined> {
  if (r.status === 'pending' && p.now() >= r.expiresAt) return 'the request has timed out';
  const why = await cannotCount(p, r, { identifier: 'approve', sender: user });
  // cannotCount names the voter in the third person ("is not an eligible approver"): say "you".
  return why?.replace(/^is not /, 'you are not ').replace(/^started or re-ran/, 'you started or re-ran');
}
