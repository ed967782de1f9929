/**
 * `npm run bench`: every benchmark under bench/, one after the other, each writing its own
 * `##` section of bench/RESULTS.md:
 *   - ingestion (bench/ingestion.ts): guest API throughput and latency against bare Fastify;
 *   - dispatch (bench/dispatch.ts): order events to messages accepted by a standalone sandbox,
 *     paced at 1,000 messages/s, against a bare undici client posting the same bodies;
 *   - carts (bench/carts.ts, in its own process): 100,000 cart reminder timers on SQLite.
 * BENCH_ONLY=ingestion|dispatch|carts runs one of them. Each documents its own env settings.
 * The exit code is 1 when a benchmark failed to run or found errors (not for missed targets).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killAllServers } from './children.js';
import { runDispatchBench } from './dispatch.js';
import { runIngestionBench } from './ingestion.js';

/** The cart benchmark composes Orderline in its own process, so it runs as a child. */
async function runCartsBench(): Promise<boolean> {
  const script = fileURLToPath(new URL('./carts.js', import.meta.url));
  return spawnSync(process.execPath, ['--enable-source-maps', script], { stdio: 'inherit' }).status === 0;
}

const BENCHMARKS = { ingestion: runIngestionBench, dispatch: runDispatchBench, carts: runCartsBench } as const;
type Name = keyof typeof BENCHMARKS;

function selected(): Name[] {
  const only = process.env.BENCH_ONLY?.trim() ?? '';
  if (only === '') return ['ingestion', 'dispatch', 'carts'];
  if (only === 'ingestion' || only === 'dispatch' || only === 'carts') return [only];
  throw new Error(`BENCH_ONLY must be ingestion, dispatch or carts, got "${only}"`);
}

async function main(): Promise<void> {
  for (const name of selected()) {
    console.log(`\n=== bench: ${name} ===`);
    const ok = await BENCHMARKS[name]();
    if (!ok) process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  killAllServers();
  process.exitCode = 1;
});
