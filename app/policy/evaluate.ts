import type { CompiledPolicy } from './compiled.ts';
import type { Decision, Reason } from './decision.ts';
import { actorsOf, type ApprovalRequest, type Membership, type Vote } from './request.ts';
import { formatDuration } from './duration.ts';
import { iso, timeDenials } from './time-rules.ts';
import { grantToken } from './token-grant.ts';
import { governingPolicies } from './policy-index.ts';
import { tallyVotes } from './votes.ts';

/**
 * Decides a request. Pure: the clock, the votes and team membership are parameters.
 * Rules apply in order: no governing policy, freeze and windows, required reason, no policy
 * that can approve (only guards), auto-approval, then votes against each requirement. Every rule that shaped the outcome
 * leaves one reason.
 */
export function evaluate(
  policies: readonly CompiledPolicy[],
  request: ApprovalRequest,
  votes: readonly Vote[],
  membership: Membership,
  now: Date | number,
): Decision {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const governing = governingPolicies(policies, request);
  const names = governing.map((p) => p.name);
  const denied = (reasons: Reason[], extra: Partial<Decision> = {}): Decision => ({
    outcome: 'denied',
    auto: true,
    policies: names,
    reasons,
    requirements: [],
    token: null,
    timeout_seconds: governing.length > 0 ? Math.min(...governing.map((p) => p.timeoutSeconds)) : null,
    ...extra,
  });
  if (governing.length === 0) {
    const where = [
      request.environment && `environment ${request.environment}`,
      `ref ${request.ref}`,
      `event ${request.event}`,
      `workflow ${request.workflow}`,
    ]
      .filter(Boolean)
      .join(', ');
    return denied([{ rule: 'no_policy', message: `no policy covers action "${request.action}" (${where})` }]);
  }
  const reasons: Reason[] = [
    { rule: 'governing', message: `governed by ${names.map((n) => `"${n}"`).join(', ')}` },
  ];

  const time = timeDenials(governing, nowMs);
  if (time.reasons.length > 0) {
    return denied(
      [...reasons, ...time.reasons],
      time.nextWindow === undefined ? {} : { next_window: iso(time.nextWindow) },
    );
  }
  const needReason = request.reason === undefined || request.reason.trim() === '';
  const reasonRules = governing
    .filter((p) => p.reasonRequired && needReason)
    .map((p): Reason => ({
      rule: 'reason_required',
      policy: p.name,
      message: `policy "${p.name}" requires a reason and the step gave none`,
    }));
  if (reasonRules.length > 0) return denied([...reasons, ...reasonRules]);

  const deciders = governing.filter((p) => !p.guard);
  if (deciders.length === 0) {
    return denied([
      ...reasons,
      {
        rule: 'no_policy',
        message: `no policy can approve action "${request.action}": only guard policies (no approvers, no auto_approve) govern it`,
      },
    ]);
  }
  const { token, reason: tokenReason } = grantToken(governing, request);
  const timeout = Math.min(...governing.map((p) => p.timeoutSeconds));
  const needsVotes: CompiledPolicy[] = [];
  for (const p of deciders) {
    const entry = p.autoApprove.findIndex((test) => test(request));
    if (entry === -1) needsVotes.push(p);
    else
      reasons.push({
        rule: 'auto_approve',
        policy: p.name,
        message: `policy "${p.name}" auto-approves (auto_approve[${entry}] matches)`,
      });
  }
  if (needsVotes.length === 0) {
    return {
      outcome: 'approved',
      auto: true,
      policies: names,
      reasons: [...reasons, tokenReason],
      requirements: [],
      token,
      timeout_seconds: timeout,
    };
  }

  const waited = request.waited_seconds ?? 0;
  const effective = needsVotes.map((p) => {
    const due = p.escalations.filter((e) => waited >= e.afterSeconds);
    if (due.length === 0) return p;
    const users = [...p.userList, ...due.flatMap((e) => e.userList)];
    const teams = [...new Set([...p.teams, ...due.flatMap((e) => e.teams)])];
    const last = due.at(-1)!;
    reasons.push({
      rule: 'escalation',
      policy: p.name,
      message: `policy "${p.name}" escalated after ${formatDuration(last.afterSeconds)}: ${[...due.flatMap((e) => e.userList), ...due.flatMap((e) => e.teams.map((t) => `@${t}`))].join(', ')} may approve too`,
    });
    return { ...p, users: new Set(users.map((u) => u.toLowerCase())), userList: [...new Set(users)], teams };
  });
  const tally = tallyVotes(effective, votes, membership, actorsOf(request));
  const met = tally.requirements.every((r) => r.remaining === 0);
  const outcome = tally.denied ? 'denied' : met ? 'approved' : 'pending';
  return {
    outcome,
    auto: false,
    policies: names,
    reasons: [...reasons, ...tally.reasons, ...(outcome === 'denied' ? [] : [tokenReason])],
    requirements: tally.requirements,
    token: outcome === 'denied' ? null : token,
    timeout_seconds: timeout,
  };
}
