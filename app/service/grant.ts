import { randomBytes } from 'node:crypto';
import { encryptForStep } from '../crypto/jwe.ts';
import { seal, tokenHash } from '../crypto/seal.ts';
import { legGrant, type Leg } from '../domain/leg.ts';
import type { StoredRequest } from '../domain/request.ts';
import { revokeEffect } from './effects/revoke.ts';
import type { Ports } from './ports.ts';

type GrantPorts = Pick<Ports, 'ledger' | 'github' | 'now' | 'sealKey' | 'metrics' | 'log'>;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Did GitHub answer the call that failed with `err` (an HTTP error status), rather than not at all
 * (a timeout, a dropped connection)? Only then is it known that no token was minted.
 */
const answered = (err: unknown): boolean =>
  (err as { cause?: { status?: unknown } } | undefined)?.cause?.status !== undefined;

/** Mints that go to GitHub at once when one lock section serves many legs (a matrix). */
const MINTS_AT_ONCE = 16;

/** A leg's token minted and journalled, not yet stored on the leg. */
interface Minted {
  leg: Leg;
  mintId: string;
  token: string;
  record: NonNullable<Leg['token']>;
  granted: { type: string; data: { token_sha256: string } & Record<string, unknown> };
}

/**
 * Mints the leg's token, when its request is approved with a token and the leg has none and has not
 * ended. The caller holds the request's lock and passes the leg object of `r`.
 *
 * The mint is journalled first (`openMint`), and GitHub's answer is written to the journal at once
 * (`sealMint`, its own short transaction); then the token is stored (sealed) on the leg and audited
 * as granted in one transaction, and the journal entry closed. If anything fails after the mint
 * (the journal write, encryption, that save), the token is revoked at once and both events are
 * audited; if the app stops first, the sweep finds the journalled token on no leg and revokes it
 * (`settleMints`). The token's revocation is due from the moment before the mint call, at its TTL
 * (the outbox effect `revoke:<mint>`, written with the journal entry): no token outlives its TTL.
 * No minted token is left untracked, save one whose answer the app never journalled (it died within
 * the moment between GitHub's answer and `sealMint`): nobody ever held that one.
 */
export function grantLeg(p: GrantPorts, r: StoredRequest, leg: Leg): Promise<void> {
  return grantLegs(p, r, leg, []);
}

/**
 * `grantLeg` for the asking leg and, in the same lock section, for `others` (legs whose steps wait
 * on this instance too): their mints go to GitHub side by side and their tokens are stored in one
 * save, so a vote resumes a matrix of jobs at once. What fails for another leg is logged and left
 * to that step's own ask; what fails for the asking leg is thrown, as `grantLeg` does.
 */
export async function grantLegs(
  p: GrantPorts,
  r: StoredRequest,
  asking: Leg,
  others: readonly Leg[],
): Promise<void> {
  if (r.status !== 'approved' || !r.decision.token) return;
  const due = [asking, ...others.filter((l) => l !== asking)].filter((l) => !l.token && l.endedAt === null);
  if (due.length === 0) return;
  const { ledger, metrics, log } = p;
  const outcomes: PromiseSettledResult<Minted | undefined>[] = [];
  for (let i = 0; i < due.length; i += MINTS_AT_ONCE)
    outcomes.push(
      ...(await Promise.allSettled(due.slice(i, i + MINTS_AT_ONCE).map((leg) => mintFor(p, r, leg)))),
    );
  const minted = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value] : []));
  if (minted.length > 0) {
    for (const m of minted) m.leg.token = m.record;
    try {
      await ledger.save(r, { audit: minted.map((m) => m.granted), hasten: allHaveTokens(r) });
    } catch (err) {
      for (const m of minted) {
        m.leg.token = null;
        await revokeUnsaved(p, r.id, m.mintId, m.token, m.granted);
      }
      throw err;
    }
  }
  for (const m of minted) {
    // The leg holds it now; a journal entry left open is closed by the sweep.
    await ledger.journal
      .closeMint(m.mintId, [])
      .catch((err: unknown) => log.warn({ err, request: r.id }, 'closing a mint in the journal failed'));
    metrics.count('jit_tokens_minted_total', 'Installation tokens minted.');
    log.info(
      { request: r.id, token_sha256: m.record.hash, permissions: m.record.permissions, job: m.leg.name },
      'token granted',
    );
  }
  outcomes.forEach((o, i) => {
    if (o.status === 'rejected' && due[i] !== asking)
      log.warn(
        { err: o.reason, request: r.id, job: due[i]!.name },
        "a waiting step's token was not minted yet",
      );
  });
  // The asking leg's own failure is its step's answer; when it needed no mint (its token was
  // stored by another step's lock section), another leg's failure is only logged above.
  if (due[0] === asking && outcomes[0]!.status === 'rejected') throw outcomes[0]!.reason;
}

/**
 * Mints, journals and encrypts one leg's token (undefined: the leg's grant has no permissions left).
 * A failure after the mint revokes the token at once.
 */
async function mintFor(p: GrantPorts, r: StoredRequest, leg: Leg): Promise<Minted | undefined> {
  const grant = legGrant(r.decision.token!, leg.requestedPermissions);
  if (Object.keys(grant.permissions).length === 0) return undefined;
  const { ledger, github, now, sealKey } = p;
  const mintId = `mint_${randomBytes(12).toString('hex')}`;
  const started = now();
  // Its revocation is due before GitHub is asked: at the TTL, counted from before the mint.
  await ledger.journal.openMint({ id: mintId, requestId: r.id, secretHash: leg.secretHash, at: started }, [
    revokeEffect(r.id, mintId, started + grant.ttl_seconds * 1000),
  ]);
  let minted: { token: string; expiresAt: number };
  try {
    minted = await github.mintToken(r.installationId, Number(r.claims.repository_id), grant.permissions);
  } catch (err) {
    // GitHub refused: nothing to track. No answer at all: the sweep records the unknown outcome.
    if (answered(err)) await ledger.journal.closeMint(mintId, []).catch(() => undefined);
    throw err;
  }
  const hash = tokenHash(minted.token);
  const revokeAt = Math.min(minted.expiresAt, now() + grant.ttl_seconds * 1000);
  const granted = {
    type: 'token_granted',
    data: {
      token_sha256: hash,
      permissions: grant.permissions,
      revoke_at: iso(revokeAt),
      job_id: leg.jobId,
      job_name: leg.name,
    },
  };
  try {
    const sealed = seal(minted.token, sealKey);
    await ledger.journal.sealMint(mintId, {
      hash,
      sealed,
      expiresAt: minted.expiresAt,
      granted: granted.data,
    });
    const record = {
      hash,
      mint: mintId,
      sealed,
      permissions: grant.permissions,
      expiresAt: minted.expiresAt,
      revokeAt,
      revokedAt: null,
      jwe: await encryptForStep(minted.token, leg.publicKey),
    };
    return { leg, mintId, token: minted.token, record, granted };
  } catch (err) {
    await revokeUnsaved(p, r.id, mintId, minted.token, granted);
    throw err;
  }
}

/**
 * Closes mint `mintId` with its audit events, trying a few times: the record of a token nobody
 * holds must not be lost. If every try fails, the entry stays open and the sweep closes it.
 */
async function closeSurely(
  p: GrantPorts,
  requestId: string,
  mintId: string,
  events: { type: string; data: Record<string, unknown> }[],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await p.ledger.journal.closeMint(
        mintId,
        events.map((e) => ({ ...e, at: p.now() })),
      );
      return;
    } catch (err) {
      if (attempt === 3) {
        p.log.error(
          { err, request: requestId, unrecorded: events },
          'audit events about a revoked token could not be appended yet; the sweep appends them',
        );
        return;
      }
      await new Promise((done) => setTimeout(done, 100 * attempt));
    }
  }
}

/** Revokes a token that was minted but could not be handed over, and audits its grant and revocation. */
async function revokeUnsaved(
  p: GrantPorts,
  requestId: string,
  mintId: string,
  token: string,
  granted: { type: string; data: { token_sha256: string } & Record<string, unknown> },
): Promise<void> {
  const { github, metrics, log } = p;
  const hash = granted.data.token_sha256;
  try {
    await github.revokeToken(token);
  } catch (err) {
    // GitHub refused the revocation too: the journal keeps the token and the sweep tries again.
    log.error(
      { err, request: requestId, token_sha256: hash },
      'could not revoke a token that was not handed over; the sweep tries again',
    );
    return;
  }
  metrics.count('jit_tokens_revoked_total', 'Installation tokens revoked.', { why: 'grant_failed' });
  log.warn({ request: requestId, token_sha256: hash }, 'token revoked: it could not be handed over');
  await closeSurely(p, requestId, mintId, [
    granted,
    { type: 'token_revoked', data: { token_sha256: hash, why: 'grant_failed' } },
  ]);
}

/**
 * Whether every leg still waiting for a token has one: a decision whose effects waited for its steps
 * (`finalize`, `stepsFirst`) may show itself now.
 */
const allHaveTokens = (r: StoredRequest): boolean =>
  r.legs.every((l) => l.token !== null || l.endedAt !== null);
