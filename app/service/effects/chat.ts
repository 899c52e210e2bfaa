import { ownerOf } from '../../domain/claims.ts';
import type { Effect } from '../../domain/effects.ts';
import { chatMessage, type ChatEvent } from '../../notify/render-chat.ts';
import type { Ports } from '../ports.ts';
import { noticeFor } from './notice.ts';

/**
 * Effect `chat`: one notification to one chat or webhook target (`data.target`, `data.event`), as
 * the request stands when it is sent. A `pending` or `reminder` message about a request that has
 * ended since is not sent (its `ended` message is due too). Delivery ids stay the same across tries,
 * so a receiver can tell a repeat.
 */
export async function doChat(p: Pick<Ports, 'ledger' | 'links' | 'chat'>, e: Effect): Promise<void> {
  const r = await p.ledger.read(e.requestId!);
  const event = e.data.event as ChatEvent;
  if (event !== 'ended' && r.status !== 'pending') return;
  const notice = await noticeFor(p, r);
  await p.chat.deliver(
    String(e.data.target),
    ownerOf(r.claims),
    {
      requestId: notice.id,
      event,
      render: (format, sentAt) => chatMessage(notice, event, format, sentAt),
    },
    String(e.data.delivery),
  );
}
