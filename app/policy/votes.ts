import type { CompiledPolicy } from './compiled.ts';
import type { Reason, Requirement } from './decision.ts';
import type { Actors, Membership, Vote } from './request.ts';

/** Lower-cased `org/team` -> lower-cased active members. */
function indexMembership(membership: Membership): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [team, users] of Object.entries(membership)) {
    out.set(team.toLowerCase(), new Set(users.map((u) => u.toLowerCase())));
  }
  return out;
}

/** The last vote of each voter (an account, by id where known), in the order voters first voted. */
function lastVotes(votes: readonly Vote[]): Vote[] {
  const byUser = new Map<string, Vote>();
  for (const v of votes) {
    const key = v.id === undefined ? v.user.toLowerCase() : `#${v.id}`;
    byUser.delete(key);
    byUser.set(key, v);
  }
  return [...byUser.values()];
}

export interface Tally {
  requirements: Requirement[];
  reasons: Reason[];
  denied: boolean;
}

/** Counts votes against the requirements of the policies that do not auto-approve. */
export function tallyVotes(
  policies: readonly CompiledPolicy[],
  votes: readonly Vote[],
  membership: Membership,
  /** Who started the run, and who re-ran it: neither counts without self-approval. */
  actors: Actors,
): Tally {
  const actorSet = new Set(actors.logins.map((a) => a.toLowerCase()));
  const actorIds = new Set(actors.ids);
  const teams = indexMembership(membership);
  const eligible = (p: CompiledPolicy, user: string): boolean =>
    p.users.has(user) || p.teams.some((t) => teams.get(t.toLowerCase())?.has(user) === true);
  const requirements: Requirement[] = policies.map((p) => ({
    policy: p.name,
    required: p.required,
    approved_by: [],
    remaining: p.required,
    approvers: { users: [...p.userList], teams: [...p.teams] },
    self_approval: p.selfApproval,
    ...(p.escalations.length > 0 && {
      escalate: p.escalations.map((e) => ({
        after_seconds: e.afterSeconds,
        users: [...e.userList],
        teams: [...e.teams],
      })),
    }),
  }));
  const reasons: Reason[] = [];
  let denied = false;
  for (const vote of lastVotes(votes)) {
    const user = vote.user.toLowerCase();
    const isActor = actorSet.has(user) || (vote.id !== undefined && actorIds.has(vote.id));
    const counted = policies.flatMap((p, i) =>
      eligible(p, user) && (!isActor || p.selfApproval) ? [i] : [],
    );
    const selfBlocked = policies.filter((p) => isActor && eligible(p, user) && !p.selfApproval);
    for (const p of selfBlocked) {
      reasons.push({
        rule: 'self_approval',
        policy: p.name,
        message: `policy "${p.name}": ${vote.user} started or re-ran the run and may not ${vote.decision} it (self_approval: false)`,
      });
    }
    if (counted.length === 0) {
      if (selfBlocked.length === 0) {
        reasons.push({
          rule: 'ineligible_vote',
          message: `${vote.user} is not an eligible approver; their ${vote.decision} does not count`,
        });
      }
      continue;
    }
    if (vote.decision === 'deny') {
      denied = true;
      const names = counted.map((i) => `"${policies[i]!.name}"`).join(', ');
      reasons.push({ rule: 'deny_vote', message: `denied by ${vote.user} (eligible approver for ${names})` });
      continue;
    }
    for (const i of counted) {
      // One approval per listed login: two accounts that held the same login in turn are one.
      const by = requirements[i]!.approved_by;
      if (!by.some((u) => u.toLowerCase() === user)) by.push(vote.user);
    }
  }
  const voted = new Set(votes.map((v) => v.user.toLowerCase()));
  for (const r of requirements) {
    r.remaining = Math.max(0, r.required - r.approved_by.length);
    const open = (u: string) =>
      !voted.has(u.toLowerCase()) && (r.self_approval || !actorSet.has(u.toLowerCase()));
    r.waiting_for =
      r.remaining > 0
        ? { users: r.approvers.users.filter(open), teams: [...r.approvers.teams] }
        : { users: [], teams: [] };
    const who = r.approved_by.length > 0 ? ` (${r.approved_by.join(', ')})` : '';
    const from = [...r.waiting_for.users, ...r.waiting_for.teams.map((t) => `@${t}`)].join(', ');
    const still = r.remaining > 0 ? `; ${r.remaining} more needed from ${from}` : '';
    reasons.push({
      rule: 'approvals',
      policy: r.policy,
      message: `policy "${r.policy}": ${r.approved_by.length} of ${r.required} approvals${who}${still}`,
    });
  }
  return { requirements, reasons, denied };
}
