/**
 * The dispatch benchmark's two load generators, both undici Pools in this process:
 *   - `pacedOrders`: open loop, orders POSTed to the service at a fixed rate, evenly spaced
 *     (not in per-second bursts as autocannon's rate limit does: a burst would sit in the
 *     pacer and show as latency the service did not cause). Each order is a prepaid
 *     BusinessOnBot order (order_confirmed) with a fresh id and its own customer.
 *   - `baselineSends`: closed loop, a fixed number of requests in flight, the captured
 *     `/messages` bodies POSTed straight to the sandbox, as fast as it answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { LatencyRecorder } from './ledger.js';
import { ID_PLACEHOLDER, PHONE_PLACEHOLDER, order } from './order-body.js';

const FIRST_ORDER_ID = 5_500_000_000_000; // 13 digits, like Shopify order ids
const REQUEST_TIMEOUT_MS = 30_000;

export interface DispatchOrder {
  id: string;
  /** The customer as Orderline sends to it: 91 and a 10-digit Indian mobile (9XXXXXXXXX). */
  digits: string;
  body: string;
}

/** Prepaid orders, each with a fresh id and a customer of its own, unique in this process. */
export class DispatchOrders {
  private readonly parts: string[];
  private k = 0;

  constructor() {
    const json = JSON.stringify(order('Leave the parcel with the security desk if nobody answers.', true));
    this.parts = json.split(new RegExp(`${ID_PLACEHOLDER}|${PHONE_PLACEHOLDER}`));
    if (this.parts.length !== 4) throw new Error('the order template must hold one id and two phones');
  }

  next(): DispatchOrder {
    // The sandbox treats numbers ending in 0000 as not on WhatsApp (a failed status): skip them.
    do this.k++;
    while (this.k % 10_000 === 0);
    const national = `9${String(this.k).padStart(9, '0')}`;
    const id = String(FIRST_ORDER_ID + this.k);
    const phone = `+91${national}`;
    const [a, b, c, d] = this.parts;
    return { id, digits: `91${national}`, body: `${a}${id}${b}${phone}${c}${phone}${d}` };
  }
}

export interface PostedOrder {
  id: string;
  digits: string;
  /** Wall clock (Date.now(), the clock the sandbox stamps with) when the POST was issued / answered. */
  sentAt: number;
  answeredAt: number;
  /** HTTP status; 0 while unanswered, -1 for a network error or timeout. */
  status: number;
}

export interface PacedLoadResult {
  orders: PostedOrder[];
  /** Wall clock of the first POST. */
  startedAt: number;
  /** Wall clock when the last POST was issued. */
  lastIssuedAt: number;
  rate: number;
  durationSec: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** The most POSTs outstanding at once (open loop: high means the service answered slowly). */
  maxInFlight: number;
  /** POST answer latency (ms) of the 2xx answers. */
  postLatency: LatencyRecorder;
}

export interface PacedLoadOptions {
  url: string;
  guestKey: string;
  orders: DispatchOrders;
  rate: number;
  durationSec: number;
  connections: number;
}

/** POSTs `rate x durationSec` orders, evenly spaced; resolves once every POST is answered. */
export async function pacedOrders(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const pool = new Pool(options.url, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const headers = { 'content-type': 'application/json', 'x-guest-id': options.guestKey };
  const total = Math.round(options.rate * options.durationSec);
  const orders: PostedOrder[] = [];
  const postLatency = new LatencyRecorder();
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;

  const fire = (record: PostedOrder, body: string): Promise<void> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const t0 = performance.now();
    return pool.request({ path: '/orders-create', method: 'POST', headers, body }).then(
      async (response) => {
        await response.body.dump();
        record.answeredAt = Date.now();
        record.status = response.statusCode;
        inFlight--;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok++;
          postLatency.add(performance.now() - t0);
        } else {
          non2xx++;
        }
      },
      () => {
        record.answeredAt = Date.now();
        record.status = -1;
        inFlight--;
        errors++;
      },
    );
  };

  try {
    const start = performance.now();
    const startedAt = Date.now();
    let lastIssuedAt = startedAt;
    let issued = 0;
    while (issued < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
      while (issued < due) {
        const next = options.orders.next();
        const record: PostedOrder = { id: next.id, digits: next.digits, sentAt: Date.now(), answeredAt: 0, status: 0 };
        orders.push(record);
        pending.push(fire(record, next.body));
        issued++;
        lastIssuedAt = record.sentAt;
      }
      if (issued < total) await sleep(1);
    }
    await Promise.all(pending);
    return { orders, startedAt, lastIssuedAt, rate: options.rate, durationSec: options.durationSec, ok, non2xx, errors, maxInFlight, postLatency };
  } finally {
    await pool.close();
  }
}

export interface BaselineResult {
  durationSec: number;
  inFlight: number;
  ok: number;
  non2xx: number;
  errors: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The first refusal the sandbox gave, for the report. */
  firstRefusal: string | null;
}

export interface BaselineOptions {
  /** The sandbox's origin, e.g. http://127.0.0.1:4010 */
  url: string;
  /** `/sandbox/graph/v21.0/{phoneNumberId}/messages` */
  path: string;
  accessToken: string;
  bodies: readonly string[];
  inFlight: number;
  durationSec: number;
}

/** `inFlight` loops, each POSTing the next body as soon as its previous one was answered. */
export async function baselineSends(options: BaselineOptions): Promise<BaselineResult> {
  if (options.bodies.length === 0) throw new Error('the baseline has no message bodies to send');
  const pool = new Pool(options.url, {
    connections: options.inFlight,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const headers = { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json', accept: 'application/json' };
  const latency = new LatencyRecorder();
  let next = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let firstRefusal: string | null = null;
  const start = performance.now();
  const deadline = start + options.durationSec * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = options.bodies[next++ % options.bodies.length] ?? '';
      const t0 = performance.now();
      try {
        const response = await pool.request({ path: options.path, method: 'POST', headers, body });
        // Read the answer as the service does (it parses the wamid out of it).
        const text = await response.body.text();
        if (response.statusCode === 200) {
          ok++;
          latency.add(performance.now() - t0);
        } else {
          non2xx++;
          firstRefusal ??= `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
        }
      } catch (error) {
        errors++;
        firstRefusal ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.inFlight }, loop));
    const elapsedSec = (performance.now() - start) / 1000;
    const [p50 = NaN, p99 = NaN] = latency.percentiles(50, 99);
    return { durationSec: elapsedSec, inFlight: options.inFlight, ok, non2xx, errors, msgsPerSec: ok / elapsedSec, p50Ms: p50, p99Ms: p99, firstRefusal };
  } finally {
    await pool.close();
  }
}
