/**
 * Re-plans a tenant's accepted events received since a time: for each, the processing job is
 * queued again. Planning is idempotent (one message per event and kind), so a message that
 * exists is not created or sent twice; events whose message was never planned get one.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { EventStore } from '../domain/ports/event-store.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import { PROCESS_EVENT_JOB } from './store-event-batch.js';

export async function replayEvents(
  deps: { events: EventStore; queue: JobQueue; clock: Clock },
  tenantId: string,
  since: Date,
): Promise<number> {
  let queued = 0;
  let after: string | null = null;
  for (;;) {
    const batch = await deps.events.acceptedSince(tenantId, since, 500, after);
    if (batch.length === 0) return queued;
    const runAt = deps.clock.now();
    await deps.queue.enqueue(batch.map((e) => ({ kind: PROCESS_EVENT_JOB, payload: { eventId: e.id }, tenantId, runAt })));
    queued += batch.length;
    after = batch[batch.length - 1]!.id;
  }
}
