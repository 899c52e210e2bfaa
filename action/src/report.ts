import type { RequestView } from '../../app/domain/step-contract.ts';
import type { Level } from './inputs.ts';

const remainingOf = (r: RequestView): number => r.decision.requirements.reduce((n, q) => n + q.remaining, 0);

/** `45 s left` under a minute (a 5 s timeout is not "0 min"), else `12 min left`. */
export function timeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s left` : `${Math.round(s / 60)} min left`;
}

/** The job gate that let a step through without a second vote (its reason), if one did. */
export const gateReason = (r: RequestView): string | undefined =>
  r.decision.reasons.find((x) => x.message.startsWith('approved by the job gate'))?.message;

/** How an approved request was approved: by whom, through a job gate, or automatically. */
export function approvedHow(r: RequestView): string {
  const gate = gateReason(r);
  if (gate)
    return `Approved ${gate.replace(/^approved /, '').replace(/: no second vote$/, '')}, no second vote`;
  if (r.approvers.length > 0) return `Approved by ${r.approvers.join(', ')}`;
  const evidence = [...new Set((r.decision.evidence ?? []).flatMap((u) => u.signals.map((x) => x.value)))];
  return evidence.length > 0 ? `Approved automatically (${evidence.join('; ')})` : 'Approved automatically';
}

/** One line for what changed: the decision, or who can still decide and how many approvals remain. */
export function progressLine(r: RequestView): string {
  if (r.status !== 'pending') return `Request ${r.id}: ${r.status.replace('_', ' ')}`;
  const awaiting = (r.decision as Partial<RequestView['decision']>).awaiting;
  if (awaiting)
    return `Waiting for checks on this commit to finish (${awaiting.checks.join(', ')}): approved automatically if they pass; the approvers are asked if one fails. ${timeLeft(r.expires_in_seconds)}.`;
  const who = r.decision.requirements
    .filter((q) => q.remaining > 0)
    .map((q) => {
      const open = q.waiting_for ?? q.approvers;
      return `${q.remaining} from ${[...open.users, ...open.teams].map((x) => `@${x}`).join(', ')} (${q.policy})`;
    })
    .join('; ');
  // An app older than this action sends no page_url.
  const page = (r as Partial<RequestView>).page_url;
  const check = r.check_run_url;
  const link =
    page && check
      ? ` Approve or deny at ${page} or on the check run ${check}.`
      : page || check
        ? ` Approve or deny at ${page || check}.`
        : '';
  return `Waiting for ${remainingOf(r)} approval(s): ${who}.${link} ${timeLeft(r.expires_in_seconds)}.`;
}

/** The key of what a log line says, so an unchanged state prints nothing. */
export const stateKey = (r: RequestView): string =>
  `${r.status}:${r.decision.awaiting ? 'checks:' : ''}${r.decision.requirements.map((q) => q.remaining).join(',')}`;

/** The evidence an automatic approval rested on, one line per signal (none: an empty list). */
export const evidenceLines = (r: RequestView): string[] =>
  (r.decision.evidence ?? []).flatMap((u) => u.signals.map((x) => `${u.policy}: ${x.value}`));

/** Ignored votes (an app older than this action sends none). */
const ignoredOf = (r: RequestView): RequestView['ignored'] => (r as Partial<RequestView>).ignored ?? [];

/** What happened since `seen` (votes, ignored votes): one line each, in order. */
export function newEvents(r: RequestView, seen: { votes: number; ignored: number }): string[] {
  const votes = r.votes
    .slice(seen.votes)
    .map(
      (v) =>
        `${v.login} ${v.decision === 'approve' ? 'approved' : 'denied'}${v.comment ? `: ${v.comment}` : ''}.`,
    );
  const ignored = ignoredOf(r)
    .slice(seen.ignored)
    .map((v) => `${v.login}'s vote was ignored: ${v.reason}.`);
  seen.votes = r.votes.length;
  seen.ignored = ignoredOf(r).length;
  return [...votes, ...ignored];
}

/** Why a request ended as it did, for the failure message. */
export function why(r: RequestView): string {
  const reasons = r.decision.reasons
    .filter((x) => x.rule !== 'governing' && x.rule !== 'token')
    .map((x) => x.message);
  return reasons.join('; ') || r.status;
}

/** Rules that decide a denial on their own, in the order the engine applies them. */
const DENYING = new Set(['no_policy', 'freeze', 'window', 'reason_required', 'deny_vote']);

/** The reason that decided the outcome (the `reason` output). */
export function decidingReason(r: RequestView): string {
  const reasons = r.decision.reasons;
  if (r.status === 'timed_out' || r.status === 'cancelled') return reasons.at(-1)?.message ?? r.status;
  if (r.status === 'denied') return reasons.find((x) => DENYING.has(x.rule))?.message ?? why(r);
  if (r.status === 'approved' && r.decision.auto)
    return reasons.find((x) => x.rule === 'auto_approve')?.message ?? 'approved automatically';
  if (r.status === 'approved' && gateReason(r)) return gateReason(r)!;
  return (
    reasons
      .filter((x) => x.rule === 'approvals')
      .map((x) => x.message)
      .join('; ') || why(r)
  );
}

/** Logins whose deny votes counted. */
export const deniedBy = (r: RequestView): string[] =>
  r.votes.filter((v) => v.decision === 'deny').map((v) => v.login);

const RANK: Record<Level, number> = { read: 1, write: 2, admin: 3 };

/** The permissions the step asked for that the token does not carry at that level, as a sentence. */
export function narrowing(
  asked: Record<string, Level> | undefined,
  granted: Record<string, Level> | undefined,
): string | undefined {
  if (!asked) return undefined;
  const rank = (k: string): number => (granted?.[k] ? RANK[granted[k]] : 0);
  const short = Object.entries(asked).filter(([k, v]) => rank(k) < RANK[v]);
  if (short.length === 0) return undefined;
  const got = (k: string) => (granted?.[k] ? `${k}: ${granted[k]}` : `no ${k}`);
  return `the token is narrower than asked: ${short.map(([k, v]) => `${k}: ${v}`).join(', ')} asked, ${short.map(([k]) => got(k)).join(', ')} granted`;
}
