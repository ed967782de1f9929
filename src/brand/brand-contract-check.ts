/**
 * Checks a brand's API against the contract Orderline relies on (BRIEF.md, "Brand APIs"),
 * the way `orderline brand-check` reports it: one verdict per check with the HTTP status,
 * the latency and, when it fails, the fault in plain words. It calls through the same
 * BrandApiClient the bot uses, so "OK" here means the bot can read the answers, but with
 * no retries (each verdict is about one request) and a breaker that never opens.
 *
 * What it checks: the customer by phone and by email, the recent orders, one order; that an
 * order id and an email that cannot exist are answered as "not found" in one of the
 * contract's forms; that a request without the key is refused; and, only when asked to
 * (it changes data), a cancel.
 */
import { randomBytes } from 'node:crypto';
import type { BrandCustomer, BrandFailure, BrandLookup } from '../domain/ports/brand-api.js';
import type { Order } from '../domain/events/model.js';
import { BrandApiClient, type BrandAttempt } from './brand-api-client.js';
import { BRAND_ENDPOINTS, type BrandEndpoint } from './brand-endpoints.js';
import type { PhoneFormat } from './phone-path.js';

export interface BrandCheckTarget {
  baseUrl: string;
  apiKey: string | null;
  timeoutMs: number;
  phoneFormat: PhoneFormat;
}

export interface BrandCheckInputs {
  /** A customer's phone in E.164; without it the phone checks are skipped. */
  phone: string | null;
  email: string | null;
  orderId: string | null;
  /** Only when given is the cancel checked: it cancels this order for real. */
  cancelOrderId: string | null;
  cancelReason: string;
}

export type CheckVerdict = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  endpoint: string;
  result: CheckVerdict;
  httpStatus: number | null;
  latencyMs: number | null;
  /** Why it failed, in plain words; null unless `result` is "fail". */
  fault: string | null;
  /** What was seen (OK) or why it was skipped. */
  note: string | null;
}

export interface BrandCheckReport {
  ok: boolean;
  baseUrl: string;
  phoneFormat: PhoneFormat;
  timeoutMs: number;
  checks: CheckResult[];
}

/** The fault of a failed call, in the words an operator fixing the brand's API needs. */
export function faultOf(failure: BrandFailure, endpoint: BrandEndpoint): string {
  const prefix = `${BRAND_ENDPOINTS[endpoint]}: `;
  const cause = failure.cause.startsWith(prefix) ? failure.cause.slice(prefix.length) : failure.cause;
  switch (failure.failure) {
    case 'timeout':
      return `timeout: ${cause}`;
    case 'malformed':
      return cause.startsWith('wrong shape') ? cause : `wrong shape: ${cause}`;
    case 'refused':
      return `refused: ${cause}`;
    case 'unavailable':
      if (failure.httpStatus === 401 || failure.httpStatus === 403) {
        return `key refused: HTTP ${failure.httpStatus} with the key sent as x-guest-id (check brandApi.apiKey or --key)`;
      }
      return failure.httpStatus === null ? `unreachable: ${cause}` : `server error: ${cause}`;
  }
}

function missingFields(fields: [string, unknown][]): string | null {
  const missing = fields.filter(([, v]) => v === null || v === undefined).map(([name]) => name);
  return missing.length === 0 ? null : `missing field: ${missing.join(', ')}`;
}

function customerFault(c: BrandCustomer): string | null {
  return missingFields([
    ['first_name', c.firstName],
    ['phone', c.phone],
  ]);
}

function orderFault(o: Order, where = ''): string | null {
  const fault = missingFields([['name (or order_number)', o.number]]);
  return fault === null ? null : `${fault}${where}`;
}

function fullName(c: BrandCustomer): string {
  return [c.firstName, c.lastName].filter((p) => p !== null).join(' ') || '(no name)';
}

class Checker {
  readonly results: CheckResult[] = [];
  private last: BrandAttempt | null = null;
  readonly withKey: BrandApiClient;
  readonly withoutKey: BrandApiClient;

  constructor(readonly target: BrandCheckTarget) {
    const common = {
      baseUrl: target.baseUrl,
      timeoutMs: target.timeoutMs,
      phoneFormat: target.phoneFormat,
      retryDelaysMs: [],
      breaker: { failureThreshold: Number.MAX_SAFE_INTEGER },
      observer: (attempt: BrandAttempt) => {
        this.last = attempt;
      },
    };
    this.withKey = new BrandApiClient({ ...common, apiKey: target.apiKey });
    this.withoutKey = new BrandApiClient({ ...common, apiKey: null });
  }

  /** Runs one call and records its verdict; `judge` says OK (a note) or the fault. */
  async run<T>(
    check: string,
    endpoint: BrandEndpoint,
    call: () => Promise<T>,
    judge: (result: T) => { fault: string | null; note?: string | null },
  ): Promise<T> {
    this.last = null;
    const result = await call();
    const verdict = judge(result);
    const seen = this.last as BrandAttempt | null;
    this.results.push({
      check,
      endpoint: BRAND_ENDPOINTS[endpoint],
      result: verdict.fault === null ? 'ok' : 'fail',
      httpStatus: seen?.httpStatus ?? null,
      latencyMs: seen?.latencyMs ?? null,
      fault: verdict.fault,
      note: verdict.note ?? null,
    });
    return result;
  }

  skip(check: string, endpoint: BrandEndpoint, note: string): void {
    this.results.push({ check, endpoint: BRAND_ENDPOINTS[endpoint], result: 'skip', httpStatus: null, latencyMs: null, fault: null, note });
  }

  async close(): Promise<void> {
    await Promise.all([this.withKey.close(), this.withoutKey.close()]);
  }
}

/** A "found" lookup judged by `fault`; anything else is a fault of its own. */
function expectFound<T>(endpoint: BrandEndpoint, what: string, fault: (value: T) => string | null, note: (value: T) => string) {
  return (result: BrandLookup<T>): { fault: string | null; note?: string | null } => {
    if (result.kind === 'failure') return { fault: faultOf(result, endpoint) };
    if (result.kind === 'not_found') return { fault: `not found: the brand answered that it has no ${what}` };
    return { fault: fault(result.value), note: note(result.value) };
  };
}

/** An id or email that cannot exist must be answered in one of the contract's not-found forms. */
function expectNotFound<T>(endpoint: BrandEndpoint) {
  return (result: BrandLookup<T>): { fault: string | null; note?: string | null } => {
    if (result.kind === 'not_found') return { fault: null, note: 'answered as not found' };
    if (result.kind === 'found') return { fault: 'wrong not-found answer: data for something that cannot exist; answer 404' };
    if (result.failure === 'malformed') {
      const shape = faultOf(result, endpoint).replace(/^wrong shape: /, '');
      return { fault: `wrong not-found answer: HTTP ${result.httpStatus ?? '-'} and ${shape}; answer 404` };
    }
    return { fault: faultOf(result, endpoint) };
  };
}

function unlikelyToken(): string {
  return `orderline-check-${randomBytes(6).toString('hex')}`;
}

export async function runBrandCheck(target: BrandCheckTarget, inputs: BrandCheckInputs): Promise<BrandCheckReport> {
  const c = new Checker(target);
  try {
    let email = inputs.email;
    let orderId = inputs.orderId;
    const phone = inputs.phone;

    if (phone === null) {
      c.skip('customer by phone', 'customerByPhone', 'pass --phone with a customer the brand has');
      c.skip('recent orders', 'recentOrders', 'pass --phone with a customer the brand has');
    } else {
      const customer = await c.run('customer by phone', 'customerByPhone', () => c.withKey.customerByPhone(phone), expectFound<BrandCustomer>('customerByPhone', 'customer with this phone', customerFault, fullName));
      if (email === null && customer.kind === 'found') email = customer.value.email;
      const orders = await c.run('recent orders', 'recentOrders', () => c.withKey.recentOrders(phone), (result) => {
        if (result.kind === 'not_found') return { fault: null, note: 'no orders listed for this phone; pass --phone of a customer with orders to check their shape' };
        return expectFound<Order[]>(
          'recentOrders',
          'orders',
          (list) => list.map((o, i) => orderFault(o, ` (entry ${i})`)).find((f) => f !== null) ?? null,
          (list) => `${list.length} order(s): ${list.map((o) => o.number ?? o.id).join(', ')}`,
        )(result);
      });
      if (orderId === null && orders.kind === 'found') orderId = orders.value[0]?.id ?? null;
    }

    if (email === null) c.skip('customer by email', 'customerByEmail', 'pass --email (or a --phone whose customer has one)');
    else {
      const address = email;
      await c.run('customer by email', 'customerByEmail', () => c.withKey.customerByEmail(address), expectFound<BrandCustomer>('customerByEmail', 'customer with this email', customerFault, fullName));
    }

    if (orderId === null) c.skip('order', 'order', 'pass --order-id (or a --phone whose customer has orders)');
    else {
      const id = orderId;
      await c.run('order', 'order', () => c.withKey.getOrder(id), expectFound<Order>('order', `order ${id}`, (o) => (o.id === id ? orderFault(o) : `wrong order: asked for ${id}, got ${o.id}`), (o) => `${o.number ?? o.id}, ${o.lineItems.length} item(s)`));
    }

    await c.run('unknown order', 'order', () => c.withKey.getOrder(unlikelyToken()), expectNotFound<Order>('order'));
    await c.run('unknown email', 'customerByEmail', () => c.withKey.customerByEmail(`${unlikelyToken()}@example.invalid`), expectNotFound<BrandCustomer>('customerByEmail'));

    if (target.apiKey === null) c.skip('key required', 'order', 'no key configured, so none can be refused (set brandApi.apiKey)');
    else {
      await c.run('key required', 'order', () => c.withoutKey.getOrder(orderId ?? unlikelyToken()), (result) => {
        const status = result.kind === 'failure' ? result.httpStatus : null;
        if (status === 401 || status === 403) return { fault: null, note: `refused without x-guest-id (HTTP ${status})` };
        if (result.kind === 'failure' && result.httpStatus === null) return { fault: faultOf(result, 'order') };
        return { fault: 'key not required: a request without x-guest-id was not refused (answer 401)' };
      });
    }

    const cancelId = inputs.cancelOrderId;
    if (cancelId === null) c.skip('cancel order', 'cancelOrder', 'changes data: pass --cancel-order-id with an order that may be cancelled');
    else {
      await c.run('cancel order', 'cancelOrder', () => c.withKey.cancelOrder(cancelId, inputs.cancelReason), (result) => {
        if (result.kind === 'cancelled') return { fault: null, note: `order ${cancelId} cancelled` };
        if (result.kind === 'not_found') return { fault: `not found: the brand has no order ${cancelId}` };
        // A refusal in the contract's form is a correct answer (the order may have shipped).
        if (result.failure === 'refused') return { fault: null, note: faultOf(result, 'cancelOrder') };
        return { fault: faultOf(result, 'cancelOrder') };
      });
    }
  } finally {
    await c.close();
  }
  return {
    ok: c.results.every((r) => r.result !== 'fail'),
    baseUrl: c.withKey.baseUrl,
    phoneFormat: target.phoneFormat,
    timeoutMs: target.timeoutMs,
    checks: c.results,
  };
}
