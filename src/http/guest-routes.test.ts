/**
 * The guest routes' authentication step on its own: a key the cache knows is answered
 * without a database look-up, and a look-up that fails is a 500 in the envelope (logged),
 * never a 401 that would tell a brand its valid key is wrong.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../domain/ports/clock.js';
import { hashGuestKey } from '../domain/tenants/guest-key.js';
import type { GuestKeyMatch, TenantStore } from '../domain/ports/tenant-store.js';
import { InMemorySendSlots, Pacer } from '../shared/pacer.js';
import { GuestRateLimit } from '../use-cases/guest-rate-limit.js';
import { GuestAuthenticator } from '../use-cases/authenticate-guest.js';
import type { EventIngestion, IngestRequest, IngestResult } from '../use-cases/ingest-event.js';
import { errorHandler } from './error-handler.js';
import { guestRoutes } from './guest-routes.js';
import { registerJsonBody } from './json-body.js';
import { Metrics } from './metrics.js';

const KEY = 'olk_a-key-that-the-store-knows-0123456789';

async function appWith(findGuestKey: () => Promise<GuestKeyMatch | undefined>) {
  const lines: string[] = [];
  const clock = new ManualClock();
  const tenants = { findGuestKey, get: async () => ({ id: 'ten_1', settings: { guestApi: { requestsPerSecond: null } } }) };
  const stored: IngestRequest[] = [];
  const ingestion = {
    ingest: async (request: IngestRequest): Promise<IngestResult> => {
      stored.push(request);
      return { status: 'stored', eventId: `evt_${stored.length}`, outcome: 'accepted' };
    },
  };
  const logger: FastifyBaseLogger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const app = Fastify({ loggerInstance: logger });
  registerJsonBody(app);
  app.setErrorHandler(errorHandler);
  await app.register(async (scope) =>
    guestRoutes(scope, {
      // Only the methods the guest routes use: authentication's two look-ups, and ingest.
      auth: new GuestAuthenticator(tenants as unknown as TenantStore, clock),
      ingestion: ingestion as unknown as EventIngestion,
      rateLimit: new GuestRateLimit(new InMemorySendSlots(new Pacer(clock))),
      metrics: new Metrics({ defaultMetrics: false }),
      bodyLimit: 10_000,
    }),
  );
  const post = () =>
    app.inject({ method: 'POST', url: '/orders-create', headers: { 'content-type': 'application/json', 'x-guest-id': KEY }, payload: '{"id":"1"}' });
  return { app, lines, stored, post };
}

describe('guest routes: authentication', () => {
  it('looks a key up once; later requests are answered from memory', async () => {
    let lookups = 0;
    const { post, stored } = await appWith(async () => {
      lookups += 1;
      return { tenantId: 'ten_1', keyHash: hashGuestKey(KEY) };
    });
    for (let i = 0; i < 3; i++) expect((await post()).json()).toEqual({ status: 'success', statusCode: 200 });
    expect(lookups).toBe(1);
    expect(stored.map((s) => s.tenantId)).toEqual(['ten_1', 'ten_1', 'ten_1']);
  });

  it('answers a failed look-up with a 500 in the envelope and logs it; nothing is stored', async () => {
    const { post, stored, lines } = await appWith(async () => {
      throw new Error('database unavailable');
    });
    const res = await post();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ status: 'failure', statusCode: 500, error: 'Internal Server Error!!' });
    expect(stored).toEqual([]);
    expect(lines.join('\n')).toContain('database unavailable');
  });

  it('answers a key the store does not know with 401', async () => {
    const { post, stored } = await appWith(async () => undefined);
    expect((await post()).json()).toEqual({ status: 'failure', statusCode: 401, error: 'Unauthorized!!' });
    expect(stored).toEqual([]);
  });
});
