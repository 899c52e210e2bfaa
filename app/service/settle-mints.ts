import type { Ports } from './ports.ts';
import { revokeEffect } from './effects/revoke.ts';

/** Journalled mints the sweep settles at most, per sweep. */
const SETTLED_PER_SWEEP = 20;

/**
 * The sweep's pass over the mint journal: each mint not closed is looked at under its request's
 * lock, so no grant of that request is under way: a token a leg holds only left its journal entry
 * open (closed now); any other was never handed over, and its revocation (the outbox effect written
 * before the mint) is made due now, with no grace period. A mint whose answer never reached the
 * journal is settled by that effect too (audited as of unknown outcome).
 */
export async function settleMints(p: Pick<Ports, 'ledger' | 'now' | 'log'>): Promise<void> {
  const { ledger, log, now } = p;
  for (const m of await ledger.journal.openMints(now(), SETTLED_PER_SWEEP)) {
    await ledger
      .locked(m.requestId, async () => {
        if (!(await ledger.journal.mint(m.id))) return; // settled meanwhile
        const r = await ledger.get(m.requestId);
        const held = r?.legs.some(
          (l) => l.token && (l.token.mint === m.id || l.token.hash === m.minted?.hash),
        );
        if (held) await ledger.journal.closeMint(m.id, []);
        else await ledger.schedule([revokeEffect(m.requestId, m.id, now())]);
      })
      .catch((err: unknown) => log.error({ err, request: m.requestId }, 'settling a journalled mint failed'));
  }
}
