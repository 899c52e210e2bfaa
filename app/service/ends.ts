import type { Leg } from '../domain/leg.ts';
import type { ApprovalService } from './approval-service.ts';
import { revokeLeg } from './grant.ts';

/**
 * Ends the legs of request `id` that `which` picks (their step was cancelled, their job or run
 * ended): no token is minted for them after this, and theirs is revoked. A pending request whose
 * every leg has ended is cancelled with `message`.
 */
export async function endLegs(
  service: ApprovalService,
  id: string,
  which: (leg: Leg) => boolean,
  why: string,
  message: string,
): Promise<void> {
  await service.locks.run(id, async () => {
    const r = (await service.deps.store.getRequest(id))!;
    const ending = r.legs.filter((l) => which(l) && l.endedAt === null);
    for (const leg of ending) leg.endedAt = service.deps.now();
    if (r.status === 'pending' && r.legs.every((l) => l.endedAt !== null)) {
      const reasons = [...r.decision.reasons, { rule: 'governing' as const, message }];
      await service.finalize(r, 'cancelled', { ...r.decision, reasons });
    } else if (ending.length > 0) {
      await (r.status === 'pending' ? service.saveShown(r) : service.save(r));
    }
    for (const leg of r.legs.filter(which)) await revokeLeg(service, r, leg, why);
  });
}
