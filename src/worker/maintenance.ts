import type { Orderline } from '../app/compose.js';

const EVERY_MS = 10 * 60_000;

/** Periodic housekeeping: expired Idempotency-Keys are dropped after their 72 hours. */
export function startMaintenance(orderline: Orderline): { stop(): void } {
  const run = async () => {
    try {
      const purged = await orderline.events.purgeExpiredIdempotencyKeys(orderline.clock.now());
      if (purged > 0) orderline.logger.info({ purged }, 'expired idempotency keys purged');
    } catch (error) {
      orderline.logger.error({ err: error }, 'maintenance failed; will retry');
    }
  };
  void run();
  const timer = setInterval(() => void run(), EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
