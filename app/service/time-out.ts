import type { StoredRequest } from '../domain/request.ts';
import { formatDuration } from '../policy/duration.ts';
import { finalize } from './finalize.ts';
import type { Ports } from './ports.ts';

/** Ends an overdue pending request as timed out. The caller holds the request's lock. */
export async function timeOut(
  p: Pick<Ports, 'ledger' | 'now' | 'metrics' | 'log'>,
  r: StoredRequest,
): Promise<void> {
  const timeout = formatDuration(Math.round((r.expiresAt - r.createdAt) / 1000));
  const reasons = [
    ...r.decision.reasons,
    { rule: 'governing' as const, message: `no decision within the timeout (${timeout})` },
  ];
  await finalize(p, r, 'timed_out', { ...r.decision, outcome: 'denied', reasons });
}
