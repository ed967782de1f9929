import type { Orderline } from '../app/compose.js';

const EVERY_MS = 10 * 60_000;

/**
 * How long a status waits for a message with its wamid. Our own sends store their wamid within
 * seconds, and a send whose answer was lost finds its status by callback data when its job runs
 * again; what is left after that is statuses of messages other tools sent from the same number,
 * which would otherwise pile up for ever. Meta retries a webhook for up to 7 days; 30 covers
 * that and a long outage.
 */
export const WAITING_STATUS_TTL_MS = 30 * 24 * 3_600_000;

/** One pass of housekeeping: expired Idempotency-Keys and statuses that never found their message. */
export async function runMaintenance(orderline: Pick<Orderline, 'clock' | 'events' | 'messages' | 'logger'>): Promise<void> {
  const now = orderline.clock.now();
  const keys = await orderline.events.purgeExpiredIdempotencyKeys(now);
  if (keys > 0) orderline.logger.info({ purged: keys }, 'expired idempotency keys purged');
  const statuses = await orderline.messages.purgeWaitingStatuses(new Date(now.getTime() - WAITING_STATUS_TTL_MS));
  if (statuses > 0) orderline.logger.info({ purged: statuses }, 'statuses that never found their message purged');
}

/** Runs `runMaintenance` now and every ten minutes; a failed pass is logged and tried again. */
export function startMaintenance(orderline: Orderline): { stop(): void } {
  const run = async () => {
    try {
      await runMaintenance(orderline);
    } catch (error) {
      orderline.logger.error({ err: error }, 'maintenance failed; will retry');
    }
  };
  void run();
  const timer = setInterval(() => void run(), EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
