/**
 * The events this connection stored lately, as the guest API read them. An event's job runs
 * right after it is stored, and reading the row back meant parsing and normalising its body a
 * second time (the model is derived on read, not stored). Events never change once stored, so
 * nothing kept here goes stale; past `capacity` the oldest are forgotten and read as before.
 */
import type { StoredEvent } from '../domain/ports/event-store.js';

export class RecentEvents {
  private readonly byId = new Map<string, StoredEvent>();

  constructor(private readonly capacity = 4096) {}

  /** Call only once the events are committed. */
  remember(events: readonly StoredEvent[]): void {
    for (const event of events) {
      this.byId.set(keyOf(event.tenantId, event.id), event);
      // A Map iterates in insertion order: the first key is the oldest.
      if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!);
    }
  }

  get(tenantId: string, eventId: string): StoredEvent | undefined {
    return this.byId.get(keyOf(tenantId, eventId));
  }
}

const keyOf = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;
