/**
 * The reference brand backend as a Fastify app: the key check, the seed's error envelope for
 * everything that goes wrong, the five brand endpoints and the two test routes. `main.ts`
 * runs it as a process; tests may also start it in-process with `listen({port: 0})`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { brandRoutes } from './brand-routes.js';
import type { BrandStore } from './brand-store.js';
import { sendBrandFailure } from './envelope.js';
import { testRoutes } from './test-routes.js';

export interface BrandServerOptions {
  /** The key Orderline must send as `x-guest-id` on every request. */
  key: string;
  store: BrandStore;
  now?: () => Date;
  /** pino level for request logs; default "silent". */
  logLevel?: string;
}

/** Compares digests so the time taken says nothing about the key, not even its length. */
function sameKey(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function buildBrandServer(options: BrandServerOptions): Promise<FastifyInstance> {
  if (options.key === '') throw new Error('the brand server needs a non-empty key');
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: { level: options.logLevel ?? 'silent' },
    bodyLimit: 64 * 1024,
    // Validate what arrives as it is: no type coercion, no silently dropped keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true } },
  });

  // Every request must carry the key, as the seed says: "BusinessOnBot will be passing the
  // API KEY with the custom http header 'x-guest-id'". Checked before the body is read.
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers['x-guest-id'];
    if (typeof given !== 'string' || !sameKey(given, options.key)) {
      return sendBrandFailure(reply, 'unauthorized', 'send the key this shop gave you in the x-guest-id header');
    }
  });

  app.setNotFoundHandler((_request, reply) => sendBrandFailure(reply, 'notFound'));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) return sendBrandFailure(reply, 'badPayload', error.message);
    switch (error.statusCode) {
      case 413:
        return sendBrandFailure(reply, 'payloadTooLarge');
      case 415:
        return sendBrandFailure(reply, 'unsupportedMediaType', 'send application/json');
      default:
        // Broken JSON, an empty JSON body: the caller's mistake, said in the seed's words.
        if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
          return sendBrandFailure(reply, 'badPayload', error.message);
        }
        request.log.error({ err: error }, 'unexpected error');
        return sendBrandFailure(reply, 'internal');
    }
  });

  await app.register(async (scope) => brandRoutes(scope, { store: options.store, now }));
  await app.register(async (scope) => testRoutes(scope, { store: options.store, now }));
  return app;
}
