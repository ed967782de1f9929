/** Dispatch benchmark settings; the env overrides exist for quick smoke runs and profiling. */

/** The standalone sandbox keeps the 10,000 most recently active chats (sandbox-state.ts). */
export const SANDBOX_CHATS_KEPT = 10_000;

export interface LoadShape {
  /** Orders per second offered (open loop, evenly spaced). */
  rate: number;
  /** Seconds of load. */
  durationSec: number;
}

export interface DispatchSettings {
  /** The tenant's `whatsapp.messagesPerSecond`: the pacing cap under test. */
  cap: number;
  /** Offered below the cap: the latency target is measured here. */
  below: LoadShape;
  /** Offered above the cap: the cap must hold and the service must sustain it. */
  over: LoadShape;
  /** Seconds at the start of each run left out of throughput and latency. */
  warmupSec: number;
  rounds: number;
  /** The baseline: a bare undici Pool posting the captured message bodies at full speed. */
  baselineSec: number;
  baselineInFlight: number;
  /** Connections of the order load generator (open loop: requests queue behind them if all are busy). */
  orderConnections: number;
  /** `--status-batch-ms` of the sandbox (read receipts are off). */
  statusBatchMs: number;
  /** Directory for `--cpu-prof` profiles of the service and the sandbox, or null. */
  cpuProfDir: string | null;
  keepData: boolean;
  /** Write the section into bench/RESULTS.md (BENCH_WRITE_RESULTS=0: print it only, for trials). */
  writeResults: boolean;
  /** BENCH_EXPERIMENT: what-ifs applied to the service by bench/sql-profile.ts (`claim-by-id`, `yield`, comma-separated), or null. */
  experiment: string | null;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return Number(raw);
}

export function loadDispatchSettings(): DispatchSettings {
  const prof = process.env.BENCH_CPU_PROF?.trim();
  const experiment = process.env.BENCH_EXPERIMENT?.trim();
  const settings: DispatchSettings = {
    cap: positive('BENCH_DISPATCH_CAP', 1000),
    below: { rate: positive('BENCH_DISPATCH_BELOW_RATE', 800), durationSec: positive('BENCH_DISPATCH_BELOW_SEC', 12) },
    over: { rate: positive('BENCH_DISPATCH_OVER_RATE', 1500), durationSec: positive('BENCH_DISPATCH_OVER_SEC', 6) },
    warmupSec: positive('BENCH_DISPATCH_WARMUP', 2),
    rounds: positive('BENCH_DISPATCH_ROUNDS', 2),
    baselineSec: positive('BENCH_DISPATCH_BASELINE_SEC', 5),
    baselineInFlight: positive('BENCH_DISPATCH_BASELINE_INFLIGHT', 50),
    orderConnections: positive('BENCH_DISPATCH_CONNECTIONS', 128),
    statusBatchMs: positive('BENCH_DISPATCH_STATUS_BATCH_MS', 50),
    cpuProfDir: prof === undefined || prof === '' ? null : prof,
    keepData: process.env.BENCH_KEEP_DATA === '1',
    writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
    experiment: experiment === undefined || experiment === '' ? null : experiment,
  };
  for (const name of settings.experiment?.split(',') ?? []) {
    if (name !== 'claim-by-id' && name !== 'yield') throw new Error(`BENCH_EXPERIMENT takes claim-by-id and/or yield (comma-separated), got "${name}"`);
  }
  if (settings.cap > 1000) throw new Error('BENCH_DISPATCH_CAP: a tenant allows at most 1000 messages/s');
  for (const [name, shape] of [
    ['below', settings.below],
    ['over', settings.over],
  ] as const) {
    // Every order has its own customer, hence its own sandbox chat; the chats are read after
    // the run, so one run must fit in what the sandbox keeps.
    if (shape.rate * shape.durationSec > SANDBOX_CHATS_KEPT - 100) {
      throw new Error(
        `the ${name}-cap run would send ${shape.rate * shape.durationSec} orders; the sandbox keeps only ${SANDBOX_CHATS_KEPT} chats, ` +
          'so keep rate x seconds under 9,900 (see bench/RESULTS.md, Dispatch: what the sandbox would need)',
      );
    }
    if (shape.durationSec <= settings.warmupSec) throw new Error(`the ${name}-cap run must last longer than the warm-up (${settings.warmupSec} s)`);
  }
  return settings;
}

export function isDefaultDispatch(s: DispatchSettings): boolean {
  return (
    s.cap === 1000 &&
    s.below.rate === 800 &&
    s.below.durationSec >= 12 &&
    s.over.rate === 1500 &&
    s.over.durationSec >= 6 &&
    s.rounds >= 2 &&
    s.baselineSec >= 5 &&
    s.cpuProfDir === null &&
    s.experiment === null
  );
}
