/**
 * The brand API client over real HTTP against the reference brand: the contract as a
 * well-behaved brand answers it. Scripted brands that are slow, failing or answering in every
 * shape the brief allows are in brand-api-client.scripted.test.ts; the per-tenant factory in
 * brand-api-client.factory.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrandApiClient, BrandApiClientOptions } from '../../src/brand/brand-api-client.js';
import { ASHA, client, closeClients, expectFailure, found } from '../support/brand-clients.js';
import { BRAND_KEY, startReferenceServer, type RunningReference } from './support/brand-servers.js';

afterEach(closeClients);

describe('against the reference brand', () => {
  let brand: RunningReference;
  let api: BrandApiClient;
  beforeAll(async () => {
    brand = await startReferenceServer({ now: () => new Date('2026-02-01T10:00:00Z') });
  });
  afterAll(async () => brand.close());
  const reference = (options: Partial<BrandApiClientOptions> = {}) => client({ baseUrl: brand.url, apiKey: BRAND_KEY, ...options });

  it('reads an order into the normalised model', async () => {
    api = reference();
    const order = found(await api.getOrder('1002'));
    expect(order).toMatchObject({
      id: '1002',
      number: '#1002',
      total: '1299.00',
      currency: 'INR',
      payment: 'prepaid',
      customer: { firstName: 'Asha', lastName: 'Rao', phone: '+919812345678', email: 'asha.rao@example.com' },
      tracking: { url: 'https://track.example.in/AWB1002' },
    });
    expect(order.lineItems).toEqual([expect.objectContaining({ title: 'Silk Dupatta', variantTitle: 'Maroon', quantity: 1 })]);
  });

  it('answers not_found for an unknown order', async () => {
    expect(await reference().getOrder('no-such-order')).toEqual({ kind: 'not_found' });
  });

  it.each(['e164', 'digits', 'national'] as const)('finds a customer by phone with phoneFormat %s', async (phoneFormat) => {
    const customer = found(await reference({ phoneFormat }).customerByPhone(ASHA));
    expect(customer).toEqual({
      firstName: 'Asha',
      lastName: 'Rao',
      phone: '+919812345678',
      email: 'asha.rao@example.com',
      addresses: [expect.objectContaining({ city: 'Bengaluru', zip: '560001', phone: '+919812345678' })],
    });
  });

  it('finds a customer by email, and not an unknown one', async () => {
    api = reference();
    expect(found(await api.customerByEmail('Asha.Rao@example.com')).firstName).toBe('Asha');
    expect(await api.customerByEmail('nobody@example.com')).toEqual({ kind: 'not_found' });
  });

  it('lists the latest three orders, newest first; a customer without orders is not_found', async () => {
    api = reference();
    expect(found(await api.recentOrders(ASHA)).map((o) => o.number)).toEqual(['#1004', '#1003', '#1002']);
    expect(await api.recentOrders('+917012345678')).toEqual({ kind: 'not_found' });
  });

  it('cancels an open order, recording the reason and "bot"', async () => {
    expect(await reference().cancelOrder('2001', 'Ordered the wrong size')).toEqual({ kind: 'cancelled' });
    expect(brand.store.order('2001')).toMatchObject({
      status: 'cancelled',
      cancellationReason: 'Ordered the wrong size',
      cancelledBy: 'bot',
      cancelledAt: '2026-02-01T10:00:00.000Z',
    });
  });

  it('is refused when cancelling a shipped or delivered order, and gets not_found for an unknown one', async () => {
    api = reference();
    const shipped = expectFailure(await api.cancelOrder('1002', 'changed my mind'), 'refused');
    expect(shipped.cause).toMatch(/shipped/);
    expect(shipped.httpStatus).toBe(400);
    expect(expectFailure(await api.cancelOrder('1001', 'changed my mind'), 'refused').cause).toMatch(/delivered/);
    expect(await api.cancelOrder('nope', 'x')).toEqual({ kind: 'not_found' });
    expect(brand.store.order('1002')?.status).toBe('shipped');
  });

  it('reports a refused or missing key as unavailable (401), naming the key problem', async () => {
    for (const apiKey of ['wrong-key', null]) {
      const failure = expectFailure(await reference({ apiKey }).getOrder('1002'), 'unavailable');
      expect(failure.httpStatus).toBe(401);
      expect(failure.cause).toMatch(/^GET \/order\/\{orderId\}: HTTP 401: the brand refused our key/);
    }
  });
});
