import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';
import { cannotCount } from './click-screen.ts';

/**
 * Why `user` cannot decide request `r` now, by the rules a vote is held to (a listed user, or an
 * active member of a listed team or of an escalation that is due; not the actor or whoever re-ran
 * the run without self-approval; the request still waiting); undefined when they can. The vote
 * itself is judged again, under the request's lock, when it is cast.
 */
export async function whyCannotDecide(
  service: ApprovalService,
  r: StoredRequest,
  user: { id: number; login: string },
): Promise<string | undefined> {
  if (r.status === 'pending' && service.deps.now() >= r.expiresAt) return 'the request has timed out';
  const why = await cannotCount(service, r, {
    identifier: 'approve',
    sender: user,
    repositoryId: r.claims.repository_id,
    deliveryId: '',
  });
  // cannotCount names the voter in the third person ("is not an eligible approver"): say "you".
  return why?.replace(/^is not /, 'you are not ').replace(/^started or re-ran/, 'you started or re-ran');
}
