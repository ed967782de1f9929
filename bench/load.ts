/**
 * One autocannon run against one server: a fresh order id per request (setupRequest), each
 * answer written to the server's ledger (onResponse; one request in flight per connection,
 * so the connection's context names the request being answered), exact 2xx latencies.
 */
import autocannon from 'autocannon';
import { measureCpu } from './cpu.js';
import { AnswerLedger, LatencyRecorder } from './ledger.js';
import type { OrderBodies } from './order-body.js';

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly bodies: OrderBodies;
  readonly ledger: AnswerLedger;
  /** The server's process id, for its CPU use. */
  readonly pid: number | undefined;
}

export interface RunResult {
  /** Mean of autocannon's per-second request counts. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** CPU use during the run in % of one core (NaN when unknown). */
  serverCpuPct: number;
  loadgenCpuPct: number;
  otherCpuPct: number;
}

interface RequestContext {
  orderId?: string;
}

export const PATH = '/orders-create';

export function runLoad(target: Target, connections: number, durationSec: number): Promise<RunResult> {
  const latencies = new LatencyRecorder();
  const cpu = measureCpu(target.pid);
  return new Promise<RunResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url + PATH,
        connections,
        pipelining: 1,
        duration: durationSec,
        timeout: 10,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        requests: [
          {
            setupRequest: (request, context) => {
              const id = target.bodies.nextId();
              (context as RequestContext).orderId = id;
              request.body = target.bodies.body(id);
              return request;
            },
            onResponse: (status, _body, context) => {
              const id = (context as RequestContext).orderId;
              if (id !== undefined) target.ledger.record(id, status);
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
          return;
        }
        const { serverPct, loadgenPct, otherPct } = cpu();
        const [p50 = NaN, p99 = NaN] = latencies.percentiles(50, 99);
        resolve({
          reqPerSec: result.requests.average,
          p50Ms: p50,
          p99Ms: p99,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationSec: result.duration,
          serverCpuPct: serverPct,
          loadgenCpuPct: loadgenPct,
          otherCpuPct: otherPct,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.add(responseTime);
    });
  });
}

/** One request outside the load, to fail fast with the server's own answer. */
export async function probe(target: Target): Promise<void> {
  const id = target.bodies.nextId();
  const response = await fetch(target.url + PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.bodies.body(id),
  });
  target.ledger.record(id, response.status);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${target.name}: probe answered ${response.status}: ${text.slice(0, 500)}`);
}
