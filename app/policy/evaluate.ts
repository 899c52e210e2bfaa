import { isBlank } from './blank.ts';
import type { CompiledPolicy } from './compiled.ts';
import type { Decision, EvidenceUsed, Reason } from './decision.ts';
import type { Finding, Signals } from './evidence.ts';
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
  signals: Signals = {},
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

  const needReason = isBlank(request.reason);
  const time = timeDenials(governing, nowMs);
  const glass = breakGlass(governing, time.reasons, request, needReason);
  if (time.reasons.length > 0 && !glass.ok) {
    return denied(
      [...reasons, ...time.reasons, ...glass.reasons],
      time.nextWindow === undefined ? {} : { next_window: iso(time.nextWindow) },
    );
  }
  reasons.push(...glass.reasons);
  const overridden = glass.ok ? glass.policies : new Set<string>();
  const judged = governing.map((p) => (overridden.has(p.name) ? glassPolicy(p) : p));
  const reasonRules = governing
    .filter((p) => p.reasonRequired && needReason)
    .map((p): Reason => ({
      rule: 'reason_required',
      policy: p.name,
      message: `policy "${p.name}" requires a reason and the step gave none`,
    }));
  if (reasonRules.length > 0) return denied([...reasons, ...reasonRules]);

  // Only a policy that can approve by itself covers a request: break-glass never makes a guard one.
  if (governing.every((p) => p.guard)) {
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
  const awaiting = new Map<string, { checks: string[]; untilSeconds: number }>();
  const evidence: EvidenceUsed[] = [];
  for (const p of judged.filter((x) => !x.guard)) {
    const judgement = overridden.has(p.name) ? null : autoApproval(p, request, signals);
    if (judgement?.approved) {
      const shown = judgement.findings.map((f) => f.shown);
      if (shown.length > 0)
        evidence.push({
          policy: p.name,
          entry: judgement.entry,
          signals: judgement.findings.map(({ kind, shown: value }) => ({ kind, value })),
        });
      reasons.push({
        rule: 'auto_approve',
        policy: p.name,
        message: `policy "${p.name}" auto-approves (auto_approve[${judgement.entry}] matches)${shown.length > 0 ? `: ${shown.join('; ')}` : ''}`,
      });
      continue;
    }
    needsVotes.push(p);
    if (judgement?.waiting) awaiting.set(p.name, judgement.waiting);
    for (const why of judgement?.misses ?? [])
      reasons.push({ rule: 'evidence', policy: p.name, message: `policy "${p.name}": ${why}` });
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
      ...(evidence.length > 0 && { evidence }),
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
  // Every policy that asks for votes would auto-approve once running checks pass: the request waits
  // for them (its approvers are not asked yet) and is decided again when they finish.
  const waitingOnChecks =
    outcome === 'pending' && needsVotes.every((p) => awaiting.has(p.name))
      ? {
          checks: [...new Set([...awaiting.values()].flatMap((a) => a.checks))],
          until_seconds: Math.min(...[...awaiting.values()].map((a) => a.untilSeconds)),
        }
      : undefined;
  if (waitingOnChecks)
    reasons.push({
      rule: 'evidence',
      message: `waiting for check${waitingOnChecks.checks.length === 1 ? '' : 's'} ${waitingOnChecks.checks.map((n) => `"${n}"`).join(', ')} to finish: approved automatically if they pass, the approvers are asked if one fails`,
    });
  return {
    outcome,
    auto: false,
    policies: names,
    reasons: [...reasons, ...tally.reasons, ...(outcome === 'denied' ? [] : [tokenReason])],
    requirements: tally.requirements,
    token: outcome === 'denied' ? null : token,
    timeout_seconds: timeout,
    ...(overridden.size > 0 && { break_glass: { policies: [...overridden] } }),
    ...(evidence.length > 0 && { evidence }),
    ...(waitingOnChecks && { awaiting: waitingOnChecks }),
  };
}

type Judgement =
  | { approved: true; entry: number; findings: Extract<Finding, { held: true }>[] }
  | { approved: false; waiting: { checks: string[]; untilSeconds: number } | null; misses: string[] };

/**
 * Whether one of policy `p`'s `auto_approve` entries approves the request: its conditions match
 * and every piece of evidence it requires holds. Otherwise, whether one waits only on running
 * checks, and why each entry whose conditions matched fell short on evidence.
 */
function autoApproval(p: CompiledPolicy, request: ApprovalRequest, signals: Signals): Judgement {
  let waiting: { checks: string[]; untilSeconds: number } | null = null;
  const misses: string[] = [];
  for (const [i, entry] of p.autoApprove.entries()) {
    if (!entry.request(request)) continue;
    const findings = entry.evidence.tests.map((test) => test(request, signals, p.name));
    const held = findings.filter((f): f is Extract<Finding, { held: true }> => f.held === true);
    if (held.length === findings.length) return { approved: true, entry: i, findings: held };
    const failed = findings.filter((f): f is Extract<Finding, { held: false }> => f.held === false);
    if (failed.length === 0) {
      waiting ??= {
        checks: findings.flatMap((f) => (f.held === 'waiting' ? f.pending : [])),
        untilSeconds: entry.evidence.checksTimeoutSeconds,
      };
      continue;
    }
    misses.push(`auto_approve[${i}] does not apply: ${failed.map((f) => f.why).join('; ')}`);
  }
  return { approved: false, waiting, misses };
}

/**
 * Whether an emergency request overrides the freezes and windows that deny it: only when it asks
 * (`emergency`), gives a reason, and every policy denying it by time allows `break_glass`.
 */
function breakGlass(
  governing: readonly CompiledPolicy[],
  timeReasons: readonly Reason[],
  request: ApprovalRequest,
  needReason: boolean,
): { ok: true; policies: Set<string>; reasons: Reason[] } | { ok: false; reasons: Reason[] } {
  if (timeReasons.length === 0) return { ok: true, policies: new Set(), reasons: [] };
  if (!request.emergency) return { ok: false, reasons: [] };
  const denying = [...new Set(timeReasons.map((x) => x.policy!))];
  const closed = denying.filter((n) => !governing.find((p) => p.name === n)!.breakGlass);
  const refuse = (message: string) => ({
    ok: false as const,
    reasons: [{ rule: 'break_glass' as const, message }],
  });
  if (closed.length > 0)
    return refuse(
      `break-glass cannot override ${closed.map((n) => `"${n}"`).join(', ')}: no break_glass in ${closed.length === 1 ? 'that policy' : 'those policies'}`,
    );
  if (needReason) return refuse('a break-glass request needs a reason, and the step gave none');
  return {
    ok: true,
    policies: new Set(denying),
    reasons: [
      ...timeReasons.map((x) => ({ ...x, message: `${x.message}: overridden by break-glass` })),
      {
        rule: 'break_glass',
        message: `BREAK-GLASS: an emergency request; the break-glass approvers of ${denying.map((n) => `"${n}"`).join(', ')} decide (never the actor)`,
      },
    ],
  };
}

/** A policy whose time rules an emergency overrides: its requirement is its break-glass approvers'. */
function glassPolicy(p: CompiledPolicy): CompiledPolicy {
  const g = p.breakGlass!;
  return {
    ...p,
    guard: false,
    users: g.users,
    userList: g.userList,
    teams: g.teams,
    required: g.required,
    selfApproval: false,
    escalations: [],
  };
}
