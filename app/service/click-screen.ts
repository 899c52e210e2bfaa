import type { StoredRequest } from '../domain/request.ts';
import type { ApprovalService } from './approval-service.ts';
import { isActor } from '../domain/vote.ts';
import type { VoteInput, VoteResult } from './vote.ts';

/** Ignored clicks shown on a check run at most (the newest); the total is counted apart. */
export const IGNORED_SHOWN = 20;
/** How long ignored clicks are gathered before the check run shows them (one write for all). */
const FLUSH_AFTER_MS = 2_000;

type Ignored = StoredRequest['ignoredVotes'][number];

const lower = (s: string): string => s.toLowerCase();

/**
 * Why a vote cannot count, known without the request's lock from what is stored: its sender is
 * neither a listed approver (nor one of an escalation that is due) nor an active member of a
 * listed team, or is an actor where no requirement allows self-approval. Undefined: it may count,
 * and goes the locked way. A policy change while the request waits can only narrow its terms, so
 * what is stored never understates who may vote.
 */
export async function cannotCount(
  service: ApprovalService,
  r: StoredRequest,
  input: VoteInput,
): Promise<string | undefined> {
  if (r.status !== 'pending') return `the request is already ${r.status.replace('_', ' ')}`;
  if (input.identifier !== 'approve' && input.identifier !== 'deny')
    return `unknown button "${input.identifier}"`;
  const login = lower(input.sender.login);
  const waited = (service.deps.now() - r.createdAt) / 1000;
  const shown = r.terms?.requirements ?? [];
  const due = shown.flatMap((q) => (q.escalate ?? []).filter((e) => waited >= e.after_seconds));
  const requirements = r.decision.requirements;
  if (isActor(r, input.sender) && !requirements.some((q) => q.self_approval))
    return 'started or re-ran the run, and self-approval is not allowed';
  const users = [...requirements.flatMap((q) => q.approvers.users), ...due.flatMap((e) => e.users)];
  if (users.map(lower).includes(login)) return undefined;
  const teams = new Set([...requirements.flatMap((q) => q.approvers.teams), ...due.flatMap((e) => e.teams)]);
  // A screen: a recent answer will do (a stranger's repeats cost one call per team per period);
  // a vote that passes is judged on a fresh one under the lock (vote.ts).
  for (const team of teams)
    if (
      await service.deps.github.isActiveMember(r.installationId, team, input.sender.login, { cached: true })
    )
      return undefined;
  return 'is not an eligible approver (not listed, and not an active member of a listed team)';
}

/**
 * Clicks that change nothing, recorded without taking the request's lock: each is audited at once,
 * and the check run shows them together, in one write per request every couple of seconds, keeping
 * the newest `IGNORED_SHOWN` and the count. So a flood of ignored clicks costs no GitHub write each
 * and never queues an eligible vote behind it.
 */
export class IgnoredClicks {
  readonly #pending = new Map<string, Ignored[]>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #service: ApprovalService;
  #flushing: Promise<void> = Promise.resolve();

  constructor(service: ApprovalService) {
    this.#service = service;
  }

  async record(r: StoredRequest, input: VoteInput, reason: string): Promise<VoteResult> {
    const { now } = this.#service.deps;
    const click: Ignored = { login: input.sender.login, reason, at: now(), delivery: input.deliveryId };
    await this.#service.audit('vote_ignored', r.id, { voter: click.login, reason, delivery: click.delivery });
    const list = this.#pending.get(r.id) ?? [];
    list.push(click);
    this.#pending.set(r.id, list);
    if (!this.#timers.has(r.id)) {
      const timer = setTimeout(() => void this.flush(r.id), FLUSH_AFTER_MS);
      timer.unref();
      this.#timers.set(r.id, timer);
    }
    return { counted: false, reason };
  }

  /** Shows the ignored clicks gathered for request `id` on its check run (one save, one write). */
  flush(id: string): Promise<void> {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    const clicks = this.#pending.get(id) ?? [];
    this.#pending.delete(id);
    if (clicks.length === 0) return this.#flushing;
    const service = this.#service;
    const work = service.locks
      .run(id, async () => {
        const r = (await service.deps.store.getRequest(id))!;
        r.ignoredTotal = (r.ignoredTotal ?? r.ignoredVotes.length) + clicks.length;
        r.ignoredVotes = [...r.ignoredVotes, ...clicks].slice(-IGNORED_SHOWN);
        await service.saveShown(r);
      })
      .catch((err: unknown) => service.deps.log.warn({ err, request: id }, 'ignored clicks were not shown'));
    this.#flushing = this.#flushing.then(() => work);
    return work;
  }

  /** Shows every gathered click now (tests, and before the app stops). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((id) => this.flush(id)));
  }
}
