/**
 * Where a message's link leads when it was made without a page. A delivery update can come
 * before its shipment (senders reorder): its message's link was made with no tracking page
 * and showed "not shared yet" even after the shipment brought one. On a tap, the shipment
 * behind the message is read again, and a page found is kept on the link.
 */
import { redirectTarget } from '../domain/links/redirect-target.js';
import type { EventStore } from '../domain/ports/event-store.js';
import type { LinkStore, StoredLink } from '../domain/ports/link-store.js';
import type { MessageStore } from '../domain/ports/message-store.js';

export interface LinkTargetDeps {
  links: LinkStore;
  messages: Pick<MessageStore, 'get'>;
  events: Pick<EventStore, 'get' | 'latestOf'>;
}

export async function targetFoundSince(deps: LinkTargetDeps, token: string, link: StoredLink): Promise<string | null> {
  if (link.messageId === null) return null;
  const message = await deps.messages.get(link.messageId);
  if (message?.eventId === null || message?.eventId === undefined) return null;
  const event = (await deps.events.get(link.tenantId, message.eventId))?.normalized;
  if (event?.kind !== 'delivery_updated') return null;
  const shipment = (await deps.events.latestOf(link.tenantId, 'fulfillment_created', event.delivery.fulfillmentId))?.normalized;
  const target = shipment?.kind === 'fulfillment_created' ? redirectTarget(shipment.fulfillment.tracking.url) : null;
  if (target !== null) await deps.links.setTarget(token, target);
  return target;
}
