/**
 * Brand API clients for the client's own tests (test/brand/brand-api-client*.test.ts): no
 * retries and no real sleeps unless a test asks for them, every client closed after each
 * test (`afterEach(closeClients)`), and readers that fail loudly on the wrong kind of result.
 */
import { expect } from 'vitest';
import { BrandApiClient, type BrandApiClientOptions } from '../../src/brand/brand-api-client.js';
import type { BrandFailure, BrandLookup } from '../../src/domain/ports/brand-api.js';

/** Asha of the reference brand's seed, as the assistant hands her phone over (E.164). */
export const ASHA = '+919812345678';
const NO_SLEEP = async () => undefined;

export function expectFailure(result: { kind: string }, failure: BrandFailure['failure']): BrandFailure {
  expect(result).toMatchObject({ kind: 'failure', failure });
  return result as BrandFailure;
}

export function found<T>(result: BrandLookup<T>): T {
  if (result.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(result)}`);
  return result.value;
}

const clients: BrandApiClient[] = [];

export function client(options: BrandApiClientOptions): BrandApiClient {
  const c = new BrandApiClient({ retryDelaysMs: [], sleep: NO_SLEEP, ...options });
  clients.push(c);
  return c;
}

/** Closes every client made since the last call, and with it the connection pool each one owns. */
export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
}
