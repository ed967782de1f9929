/**
 * The sandbox as its own process, for tests that need a stand-in Meta and for benchmarks:
 *
 *   node dist/src/whatsapp/sandbox/standalone.js --port 4010 --host 127.0.0.1 \
 *     --webhook-url http://127.0.0.1:3000/webhooks/whatsapp --app-secret S --access-token T \
 *     --phone-number-id 100000000000001 [--tenant-id sandbox] [--no-read] [--status-batch-ms 50]
 *
 * One account; the Graph URL to configure is `http://HOST:PORT/sandbox/graph`. Operator routes
 * (`/sandbox/graph/_rules`, `/sandbox/tenants/{id}/inbound`, `…/chats`) are open: bind it to a
 * loopback address. Prints `sandbox listening on http://…` once it accepts connections.
 * State is in memory and lost when the process ends.
 */
import { Command, InvalidArgumentError } from 'commander';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { sendFailure } from '../../http/envelope.js';
import { errorHandler } from '../../http/error-handler.js';
import { registerJsonBody } from '../../http/json-body.js';
import { staticDirectory } from './sandbox-directory.js';
import { sandboxRoutes } from './sandbox-routes.js';
import { DEFAULT_STATUS_DELAYS } from './status-webhooks.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

function url(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    return value;
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL');
  }
}

function delays(value: string): { sent: number; delivered: number; read: number } {
  const parts = value.split(',').map(integer(0, 3_600_000));
  const [sent, delivered, read] = parts;
  if (parts.length !== 3 || sent === undefined || delivered === undefined || read === undefined) {
    throw new InvalidArgumentError('must be three integers: sent,delivered,read (ms, each after the previous step)');
  }
  return { sent, delivered, read };
}

interface Options {
  port: number;
  host: string;
  webhookUrl: string;
  appSecret: string;
  accessToken: string;
  phoneNumberId: string;
  tenantId: string;
  displayPhoneNumber: string;
  read: boolean;
  statusBatchMs: number;
  delays: { sent: number; delivered: number; read: number };
  logLevel: string;
}

const program = new Command()
  .name('orderline-sandbox')
  .description("A stand-in for Meta's WhatsApp Cloud API (one account), with its customer side")
  .requiredOption('--port <n>', 'port to listen on (0: any free port)', integer(0, 65_535))
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .requiredOption('--webhook-url <url>', 'where status and incoming-message webhooks go', url)
  .requiredOption('--app-secret <secret>', 'signs the webhooks (X-Hub-Signature-256)')
  .requiredOption('--access-token <token>', 'the bearer token /messages must be called with')
  .requiredOption('--phone-number-id <id>', 'the phone number id in the Graph path and webhook metadata')
  .option('--tenant-id <id>', 'the tenant id of the operator routes', 'sandbox')
  .option('--display-phone-number <digits>', 'the business number shown in webhook metadata', '15550000000')
  .option('--no-read', 'customers never read: no read statuses')
  .option('--status-batch-ms <n>', 'gather statuses for this many ms per webhook POST (0: one per POST)', integer(0, 60_000), 0)
  .option('--delays <ms,ms,ms>', 'waits before sent, delivered and read', delays, { ...DEFAULT_STATUS_DELAYS })
  .option('--log-level <level>', 'pino level', 'warn');

async function main(): Promise<void> {
  const o = program.parse().opts<Options>();
  const logger: FastifyBaseLogger = pino({ level: o.logLevel, base: { service: 'orderline-sandbox' } });
  const app = Fastify({
    loggerInstance: logger,
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
  });
  registerJsonBody(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => sendFailure(reply, 'notFound'));
  const directory = staticDirectory([
    {
      tenantId: o.tenantId,
      phoneNumberId: o.phoneNumberId,
      accessToken: o.accessToken,
      appSecret: o.appSecret,
      webhookUrl: o.webhookUrl,
      displayPhoneNumber: o.displayPhoneNumber,
    },
  ]);
  await app.register(async (scope) =>
    sandboxRoutes(scope, {
      directory,
      // Standalone: the operator routes are open (documented above).
      authorizeOperator: async () => undefined,
      readReceipts: o.read,
      statusBatchMs: o.statusBatchMs,
      delays: o.delays,
    }),
  );
  const address = await app.listen({ port: o.port, host: o.host });
  process.stdout.write(`sandbox listening on ${address} (graph URL ${address}/sandbox/graph)\n`);
  const stop = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
