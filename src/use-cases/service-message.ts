/**
 * A free-form message inside the customer's 24-hour window (a confirmation, a bot reply, a
 * hand-back note): planned with its send job like any other message, one per `dedupeKey`.
 */
import type { ServiceMessageKind } from '../domain/messages/message-kind.js';
import type { IdGenerator } from '../domain/ports/ids.js';
import type { MessageStore } from '../domain/ports/message-store.js';
import { sendJobFor, sequenceOf } from './plan-notifications.js';

export interface ServiceMessage {
  tenantId: string;
  to: string;
  kind: ServiceMessageKind;
  dedupeKey: string;
  /** The Cloud API body without the envelope fields, e.g. `{type: 'text', text: {...}}`. */
  content: { type: string } & Record<string, unknown>;
  at: Date;
}

export async function planServiceMessage(messages: MessageStore, ids: IdGenerator, message: ServiceMessage): Promise<boolean> {
  const id = ids.next('msg');
  return messages.plan(
    {
      id,
      tenantId: message.tenantId,
      eventId: null,
      dedupeKey: message.dedupeKey,
      sequence: sequenceOf(id),
      kind: message.kind,
      category: 'service',
      orderId: null,
      recipient: message.to,
      state: 'queued',
      skipReason: null,
      body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to, ...message.content, biz_opaque_callback_data: id },
      createdAt: message.at,
    },
    sendJobFor(message.tenantId, id, message.at),
  );
}

export const textContent = (body: string) => ({ type: 'text', text: { body, preview_url: false } });
