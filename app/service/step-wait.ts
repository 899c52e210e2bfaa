import type { RunClaims } from '../domain/claims.ts';
import { legBySecret, type Leg } from '../domain/leg.ts';
import type { StepRef, StoredRequest } from '../domain/request.ts';
import { AppError } from '../errors.ts';
import { grantLegs } from './grant.ts';
import type { Ports } from './ports.ts';
import type { Hangup, Waiters } from './waiters.ts';

/** What names a run attempt in a step's verified claims. */
export type RunIdentity = Pick<RunClaims, 'repository_id' | 'run_id' | 'run_attempt'>;

type WaitPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'sealKey' | 'metrics' | 'log'>;

/**
 * The steps' side: a step reads its request (its run, its secret), long-polls it until it changes,
 * and gets its token minted when it is approved. A vote wakes the steps waiting here at once; steps
 * woken by one notification share one read, and the first to take the lock mints the tokens of every
 * step of the request waiting here, handing theirs over without another read (a matrix resumes at once).
 */
export class StepWaits {
  readonly #p: WaitPorts;
  readonly waiters: Waiters;
  /** Reads shared by the steps one notification woke (`#readAfter`). */
  readonly #reads = new Map<string, { notification: number; read: Promise<StoredRequest | undefined> }>();
  /** Steps whose token another step's lock section minted ahead, with its own; not yet answered. */
  readonly #mintedAhead = new Map<string, Map<string, StepRef>>();

  constructor(p: WaitPorts, waiters: Waiters) {
    this.#p = p;
    this.waiters = waiters;
    // A request saved (here or elsewhere): answers read before it are not handed out, and its
    // steps waiting here read it again.
    p.ledger.onSaved((id) => {
      this.#mintedAhead.delete(id);
      waiters.notify(id);
    });
  }

  /** News of saves elsewhere may have been lost: every step waiting here reads its request again. */
  changedEverywhere(): void {
    this.#mintedAhead.clear();
    this.waiters.notifyAll();
  }

  /** Whether steps of request `r` wait here for its answer now (a decision's effects wait for them). */
  stepsWaiting(r: StoredRequest): boolean {
    return this.waiters.answeringCount(r.id) > 0;
  }

  /** The request and the asking step's leg: for the run that made it, and the step holding its secret. */
  async get(id: string, claims: RunIdentity, secret: string | undefined): Promise<StepRef> {
    return stepOf(await this.#p.ledger.get(id), id, claims, secret);
  }

  /**
   * Long-poll: answers when the request is decided, or after `seconds`. An approved step's token is
   * minted here, when it asks for it. `since`: the version of the step's last answer (a change made
   * since then answers at once); without it, the request as this poll first reads it.
   * `authenticated` is called once the step is known to be one of the request's (its run, its secret).
   */
  async wait(
    id: string,
    run: RunIdentity,
    secret: string | undefined,
    seconds: number,
    signal?: Hangup,
    since?: number,
    authenticated?: (leg: Leg) => void,
  ): Promise<StepRef> {
    const { now } = this.#p;
    const deadline = now() + seconds * 1000;
    const { waiters } = this;
    // A change notified while this poll reads (nothing waiting to be woken then) is not lost.
    const watch = waiters.watch(id);
    try {
      let heard = watch.last();
      // Nor a copy of the request while it waits: a held poll costs little more than its socket.
      let ref: StepRef | null = await this.get(id, run, secret);
      // Only a step of the request (its run, its secret) counts as one being answered.
      authenticated?.(ref.leg);
      // Answers on any change (a vote, an ignored click, the check run, the decision), so the step
      // can print each one as it happens; an unchanged request keeps the poll until the deadline.
      const seen = since ?? ref.request.version;
      while (
        ref.request.status === 'pending' &&
        ref.request.version === seen &&
        now() < deadline &&
        !signal?.aborted
      ) {
        ref = null;
        const missed = watch.last() > heard ? watch.last() : 0;
        const notification = missed || (await waiters.wait(id, Math.max(0, deadline - now()), signal));
        if (notification) heard = notification;
        ref = notification
          ? stepOf(await this.#readAfter(id, notification), id, run, secret)
          : await this.get(id, run, secret);
      }
      return await this.withToken(ref);
    } finally {
      watch.done();
    }
  }

  /** The step's leg with its token minted, when its request is approved with one. */
  async withToken(ref: StepRef): Promise<StepRef> {
    const { request: r, leg } = ref;
    if (r.status !== 'approved' || !r.decision.token || leg.token || leg.endedAt !== null) return ref;
    return this.#p.ledger.locked(r.id, async () => {
      const ahead = this.#mintedAhead.get(r.id)?.get(leg.secretHash);
      if (ahead) {
        this.#mintedAhead.get(r.id)!.delete(leg.secretHash);
        return ahead;
      }
      const fresh = await this.#p.ledger.read(r.id);
      const mine = fresh.legs.find((l) => l.secretHash === leg.secretHash)!;
      // The other steps waiting here on this request get theirs in the same go, and their answer
      // from this read (a matrix resumes at once: not one lock section, read and save per job).
      const waiting = this.waiters.answeringSteps(r.id);
      const others = fresh.legs.filter((l) => l !== mine && waiting.has(l.secretHash));
      await grantLegs(this.#p, fresh, mine, others);
      const withTokens = others.filter((l) => l.token);
      if (withTokens.length > 0)
        this.#mintedAhead.set(
          r.id,
          new Map(withTokens.map((l) => [l.secretHash, { request: fresh, leg: l }])),
        );
      return { request: fresh, leg: mine };
    });
  }

  /**
   * Request `id` read after notification `notification`, once for all the steps it woke (a matrix
   * of jobs waiting on one request): they only read it.
   */
  #readAfter(id: string, notification: number): Promise<StoredRequest | undefined> {
    const shared = this.#reads.get(id);
    if (shared?.notification === notification) return shared.read;
    const read = this.#p.ledger.get(id);
    this.#reads.set(id, { notification, read });
    const forget = (): void => {
      if (this.#reads.get(id)?.read === read) this.#reads.delete(id);
    };
    read.then(forget, forget);
    return read;
  }
}

/** The step of `r` whose run and secret these are; refused (404, 403, 401) otherwise. */
function stepOf(
  r: StoredRequest | undefined,
  id: string,
  claims: RunIdentity,
  secret: string | undefined,
): StepRef {
  if (!r) throw new AppError('not_found', `no request ${id}`);
  const c = r.claims;
  if (
    c.repository_id !== claims.repository_id ||
    c.run_id !== claims.run_id ||
    c.run_attempt !== claims.run_attempt
  )
    throw new AppError('forbidden', `request ${id} belongs to another workflow run`);
  if (!secret)
    throw new AppError(
      'unauthenticated',
      'send the step secret whose SHA-256 the request was made with, in the x-jit-step-secret header',
    );
  const leg = legBySecret(r, secret);
  if (!leg) throw new AppError('forbidden', `request ${id} belongs to another step of this run`);
  return { request: r, leg };
}
