/** Settings of the cart-timer benchmark (`bench/carts.ts`); the env overrides exist for smoke runs. */

export interface CartBenchSettings {
  /** Carts scheduled (BENCH_CARTS). */
  carts: number;
  /** Due times are spread evenly over this many seconds (BENCH_SPREAD_S). */
  spreadS: number;
  /**
   * Seconds from the start of scheduling to the first due time (BENCH_LEAD_S): scheduling and
   * cancelling must be over by then, so every reminder fires with the runner already started.
   */
  leadS: number;
  /** The tenant's one reminder step; cart times are set so that cart time + after = due time. */
  after: string;
  afterMs: number;
  /** Every other cart (odd index) gets an order: half are cancelled. */
  cancelEvery: 2;
  /**
   * Seconds of scheduling through `onCart` (BENCH_SCHEDULE_BUDGET_S); carts left when it runs out
   * are written in bulk (bench/carts-fill.ts), so the run length stays bounded whatever the cost
   * per call. The same for cancelling through `onOrder` (BENCH_CANCEL_BUDGET_S).
   */
  scheduleBudgetS: number;
  cancelBudgetS: number;
  /** Calls timed at full scale: `onCart` re-sends, and each read-only probe (BENCH_SAMPLES). */
  samples: number;
  /** Extra seconds after the last due time to wait for stragglers before giving up. */
  drainTimeoutS: number;
  /** Keep the temp dir with the SQLite files (BENCH_KEEP_DATA=1). */
  keepData: boolean;
  /** Write the `## Cart timers` section of bench/RESULTS.md (BENCH_WRITE_RESULTS=0: print only). */
  writeResults: boolean;
}

export const DEFAULT_CARTS = 100_000;
export const DEFAULT_SPREAD_S = 120;

function positive(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return Number(raw);
}

/**
 * The default lead: the scheduling budget (or less for a small run: 1 ms per cart), the
 * cancelling budget, and room for the bulk writes, the full-scale samples and dbstat. A lead that
 * turns out too short is reported (reminders due before the runner started), not hidden.
 */
function defaultLeadS(carts: number, scheduleBudgetS: number, cancelBudgetS: number): number {
  return Math.ceil(Math.min(scheduleBudgetS, carts / 1000) + cancelBudgetS + 50);
}

export function loadCartSettings(): CartBenchSettings {
  const carts = positive('BENCH_CARTS', DEFAULT_CARTS);
  if (carts < 2) throw new Error('BENCH_CARTS must be at least 2');
  const scheduleBudgetS = positive('BENCH_SCHEDULE_BUDGET_S', 60);
  const cancelBudgetS = positive('BENCH_CANCEL_BUDGET_S', 30);
  return {
    carts,
    spreadS: positive('BENCH_SPREAD_S', DEFAULT_SPREAD_S),
    leadS: positive('BENCH_LEAD_S', defaultLeadS(carts, scheduleBudgetS, cancelBudgetS)),
    after: '30m',
    afterMs: 30 * 60_000,
    cancelEvery: 2,
    scheduleBudgetS,
    cancelBudgetS,
    samples: positive('BENCH_SAMPLES', 100),
    drainTimeoutS: positive('BENCH_DRAIN_TIMEOUT_S', 60),
    keepData: process.env.BENCH_KEEP_DATA === '1',
    writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
  };
}

export function isDefaultCartSettings(s: CartBenchSettings): boolean {
  return s.carts === DEFAULT_CARTS && s.spreadS === DEFAULT_SPREAD_S;
}
