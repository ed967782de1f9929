/**
 * The reference brand backend as a process:
 *
 *   node dist/src/brand/reference-server/main.js --port 4020 --key K [--db brand.db] [--seed]
 *
 * Without `--db` the shop lives in memory (and `--seed` is the only way to have data).
 * Prints `brand server listening on http://…` once it accepts connections; SIGTERM or
 * SIGINT close it. Point a tenant at it with `brandApi.baseUrl` = that URL and the same key
 * as `brandApi.apiKey`, then try `orderline brand-check --tenant ID --phone +919812345678`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { BrandStore } from './brand-store.js';
import { buildBrandServer } from './brand-server.js';
import { seedBrandStore } from './seed-data.js';

interface Options {
  port: number;
  host: string;
  key: string;
  db: string;
  seed: boolean;
  logLevel: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return n;
}

const program = new Command()
  .name('brand-reference-server')
  .description("A small brand backend implementing the five brand APIs Orderline calls")
  .requiredOption('--port <n>', 'port to listen on (0: any free port)', port)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .requiredOption('--key <key>', 'the key callers must send as x-guest-id')
  .option('--db <file>', 'SQLite file for customers and orders', ':memory:')
  .option('--seed', 'add the sample customers and orders (seed-data.ts)', false)
  .option('--log-level <level>', 'pino level for request logs', 'silent');

async function main(): Promise<void> {
  const o = program.parse().opts<Options>();
  if (o.key.trim() === '') throw new InvalidArgumentError('--key must not be empty');
  const store = new BrandStore(o.db);
  if (o.seed) seedBrandStore(store);
  const app = await buildBrandServer({ key: o.key, store, logLevel: o.logLevel });
  const address = await app.listen({ port: o.port, host: o.host });
  process.stdout.write(`brand server listening on ${address}\n`);
  const stop = (): void => {
    app.close().then(
      () => {
        store.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`brand server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
