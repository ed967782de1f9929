/**
 * A message's life: planned (queued, or skipped with a reason), sending, accepted by Meta,
 * then sent < delivered < read as status webhooks arrive, or failed. Statuses arrive out of
 * order and twice: the state only moves forward, and failed is terminal.
 */

export const MESSAGE_STATES = ['skipped', 'queued', 'sending', 'accepted', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];
export type DeliveryStatusName = 'sent' | 'delivered' | 'read' | 'failed';

const RANK: Record<MessageState, number> = {
  skipped: -1,
  queued: 0,
  sending: 1,
  accepted: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  failed: 6,
};

export const FINAL_STATES: ReadonlySet<MessageState> = new Set(['skipped', 'failed', 'read']);

/** The state after a status webhook; unchanged when the status would move it backwards. */
export function afterStatus(current: MessageState, status: DeliveryStatusName): MessageState {
  if (current === 'skipped' || current === 'failed') return current;
  // A failure after the customer already has the message (delivered, read) changes nothing.
  if (status === 'failed') return RANK[current] >= RANK.delivered ? current : 'failed';
  return RANK[status] > RANK[current] ? status : current;
}

/** Whether Meta has the message (a re-run must not send it again). */
export function acceptedByMeta(state: MessageState): boolean {
  return state === 'accepted' || state === 'sent' || state === 'delivered' || state === 'read';
}

export function isDeliveryStatus(value: string): value is DeliveryStatusName {
  return value === 'sent' || value === 'delivered' || value === 'read' || value === 'failed';
}
