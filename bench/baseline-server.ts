/**
 * The baseline: bare Fastify 5 with the service's route and body schema, no auth, no
 * storage. It shows what the HTTP layer alone costs on this machine.
 * Env: PORT (0 = any free port). Prints `baseline listening on <url>` once ready.
 */
import Fastify from 'fastify';
// The service's own 200 and its schema, so all servers serialise the answer the same way.
import { SUCCESS, SuccessSchema } from '../src/http/envelope.js';
import { GUEST_BODY_SCHEMAS } from '../src/http/guest-schemas.js';

const app = Fastify({ logger: false });
app.post(
  '/orders-create',
  { schema: { body: GUEST_BODY_SCHEMAS['/orders-create'], response: { 200: SuccessSchema } } },
  async () => SUCCESS,
);

const address = await app.listen({ port: Number(process.env.PORT ?? '0'), host: '127.0.0.1' });
process.stdout.write(`baseline listening on ${address}\n`);

const stop = () => {
  void app.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
