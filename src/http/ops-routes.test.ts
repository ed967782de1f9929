import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';

const hangs = () => new Promise<never>(() => {});

describe('operations routes when the database hangs (accepts connections, answers nothing)', () => {
  it('answers /readyz 503 in the envelope within its deadline, and /metrics with NaN for the database gauges', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.measureQueueDepth(hangs);
    metrics.measureHeldBackEvents(async () => 3);
    const app = Fastify();
    await app.register(opsRoutes, { metrics, checkReady: hangs, readyWithinMs: 50 });
    const started = Date.now();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'failure', statusCode: 503 });
    expect(Date.now() - started).toBeLessThan(1000);
    const scraped = await app.inject({ method: 'GET', url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    // prom-client writes "Nan"; Prometheus reads NaN in any case.
    expect(scraped.body).toMatch(/^orderline_queue_depth nan$/im);
    expect(scraped.body).toMatch(/^orderline_events_held_back 3$/m);
    await app.close();
  });
});
