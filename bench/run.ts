/**
 * `npm run bench`: every benchmark under bench/, one after the other, each writing its own
 * `##` section of bench/RESULTS.md:
 *   - ingestion (bench/ingestion.ts): guest API throughput and latency against bare Fastify;
 *   - dispatch (bench/dispatch.ts): order events to messages accepted by a standalone sandbox,
 *     paced at 1,000 messages/s, against a bare undici client posting the same bodies.
 * BENCH_ONLY=ingestion|dispatch runs one of them. Each documents its own env settings.
 * The exit code is 1 when a benchmark failed to run or found errors (not for missed targets).
 */
import { killAllServers } from './children.js';
import { runDispatchBench } from './dispatch.js';
import { runIngestionBench } from './ingestion.js';

const BENCHMARKS = { ingestion: runIngestionBench, dispatch: runDispatchBench } as const;
type Name = keyof typeof BENCHMARKS;

function selected(): Name[] {
  const only = process.env.BENCH_ONLY?.trim() ?? '';
  if (only === '') return ['ingestion', 'dispatch'];
  if (only === 'ingestion' || only === 'dispatch') return [only];
  throw new Error(`BENCH_ONLY must be ingestion or dispatch, got "${only}"`);
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
