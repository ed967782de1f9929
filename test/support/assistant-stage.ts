/**
 * The stage of the order assistant end-to-end tests (test/e2e/assistant*.e2e.test.ts): the
 * reference brand server as its own process (`node dist/src/brand/reference-server/main.js`,
 * a fresh seeded SQLite file, a key), the service (`node dist/src/main.js serve`, a fresh
 * temp dir), and customers who type and tap in the built-in sandbox. Each test file builds a
 * stage of its own, so the files run side by side without sharing a brand database.
 *
 * Each scenario opens a tenant of its own (`openShop`): Orderline paces messages per phone
 * number id and customer (five at once, then one per 6 s), so a tenant per scenario keeps
 * every reply immediate. Tenants reach the brand through a recording tap (`BrandFront`, in
 * this process), so a test sees exactly what went over the wire.
 *
 * Seeded customers (src/brand/reference-server/seed-data.ts):
 *   Asha   919812345678  orders 1001 (delivered), 1002 (shipped), 1003 (open, COD), 1004 (open)
 *   Vikram 919876543210  order 2001 (open)
 *   Meera  917012345678  no orders
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { JsonObject } from '../../src/domain/events/fields.js';
import { startReferenceProcess, type ReferenceProcess } from '../brand/support/brand-servers.js';
import { BrandFront, type SeenRequest } from './brand-front.js';
import { tempDir } from './databases.js';
import { call, Orderline, parsed, type ChatEntry, type Tenant } from './e2e-client.js';
import { serviceEnv, STORE } from './e2e-fixtures.js';
import { startService, type ServiceProcess } from './process.js';

export const BRAND_KEY = 'e2e-brand-key-7d1f0c2a';

export const ASHA = '919812345678';
export const VIKRAM = '919876543210';
export const MEERA = '917012345678';

/** The menu's list rows, in order. */
export const MENU = ['menu:track', 'menu:cancel', 'menu:details', 'menu:human'];
/** The customer's answer whenever the brand cannot be used. */
export const TRY_LATER = 'Sorry, I cannot reach the store right now. Please try again in a few minutes.';

// ---------------------------------------------------------------------------------------
// The reference brand's test routes (not part of the contract)

interface BrandOrderRecord {
  order: { id: string; cancelledAt: string | null };
  status: string;
  cancelledAt: string | null;
  cancellationReason: string | null;
  cancelledBy: string | null;
}

export async function brandRecord(brandUrl: string, orderId: string): Promise<BrandOrderRecord> {
  return parsed<BrandOrderRecord>(await call(`${brandUrl}/_orders/${orderId}`, { headers: { 'x-guest-id': BRAND_KEY } }));
}

export async function brandAddOrder(brandUrl: string, order: JsonObject, status = 'open'): Promise<void> {
  parsed(await call(`${brandUrl}/_orders`, { headers: { 'x-guest-id': BRAND_KEY }, json: { order, status } }), 201);
}

// ---------------------------------------------------------------------------------------
// Playing a customer

type Action = { text: string } | { buttonId: string } | { listRowId: string };

/** One customer of one tenant, typing and tapping in the sandbox. */
export class Customer {
  constructor(
    private readonly api: Orderline,
    private readonly tenantId: string,
    readonly phone: string,
    private readonly name: string,
  ) {}

  async received(): Promise<ChatEntry[]> {
    return (await this.api.chat(this.tenantId, this.phone)).filter((e) => e.direction === 'out');
  }

  /** Sends one message or tap; returns everything the customer received because of it. */
  async send(action: Action): Promise<ChatEntry[]> {
    const before = (await this.received()).length;
    await this.api.inbound(this.tenantId, { from: `+${this.phone}`, name: this.name, ...action });
    await this.api.drained();
    return (await this.received()).slice(before);
  }

  /** Sends, and expects exactly one reply (the assistant answers each message once). */
  async reply(action: Action): Promise<ChatEntry> {
    const replies = await this.send(action);
    expect(replies.map((r) => r.summary.text), `replies to ${JSON.stringify(action)}`).toHaveLength(1);
    return replies[0] as ChatEntry;
  }

  /** Sends, and expects no reply at all. */
  async silence(action: Action): Promise<void> {
    const replies = await this.send(action);
    expect(replies.map((r) => r.summary.text), `replies to ${JSON.stringify(action)}`).toEqual([]);
  }
}

export interface Shop {
  tenant: Tenant;
  asha: Customer;
  vikram: Customer;
  meera: Customer;
}

// ---------------------------------------------------------------------------------------
// The stage

/**
 * Built empty when the suite is declared, so its helpers can be taken apart there; `start()`
 * (beforeAll) and `stop()` (afterAll) bring the processes up and down.
 */
export class AssistantStage {
  private dir = '';
  private brandDb = '';
  private brand: ReferenceProcess | undefined;
  private brandPort = 0;
  private front: BrandFront | undefined;
  private running: ServiceProcess | undefined;
  private client: Orderline | undefined;

  async start(): Promise<void> {
    this.dir = tempDir('orderline-e2e-assistant-');
    this.brandDb = path.join(this.dir, 'brand.db');
    // Side by side; each is kept as soon as it runs, so stop() ends it even if the other failed.
    await Promise.all([
      this.startBrand(0).then((started) => (this.brand = started)),
      startService({ cwd: this.dir, env: serviceEnv(this.dir) }).then((started) => (this.running = started)),
    ]);
    const brandAt = this.brand?.url ?? '';
    this.brandPort = Number(new URL(brandAt).port);
    this.front = await BrandFront.start(brandAt);
    this.client = new Orderline(this.service.url);
  }

  async stop(): Promise<void> {
    await this.front?.close();
    await this.brand?.stop();
    await this.running?.stop('SIGTERM');
    if (this.dir !== '') fs.rmSync(this.dir, { recursive: true, force: true });
  }

  get service(): ServiceProcess {
    if (this.running === undefined) throw new Error('the service did not start');
    return this.running;
  }

  get api(): Orderline {
    if (this.client === undefined) throw new Error('the stage did not start');
    return this.client;
  }

  /** The recording tap in front of the brand server. */
  readonly tap = (): BrandFront => {
    if (this.front === undefined) throw new Error('the brand front did not start');
    return this.front;
  };

  /** The brand server itself, past the tap (the same port across a restart). */
  readonly brandUrl = (): string => `http://127.0.0.1:${this.brandPort}`;

  readonly cancelsSeen = (): SeenRequest[] => this.tap().seen.filter((s) => s.method === 'POST' && s.url === '/cancel-order');

  /**
   * A tenant of its own for each scenario, on the built-in sandbox (no Meta credentials) and
   * the brand server behind the tap. Orderline keeps Meta's pair rate per (phone number id,
   * customer): five messages at once, then one per 6 s (docs/notifications.md, Pacing). A
   * scenario sends a customer at most five, so no reply waits for pacing.
   */
  readonly openShop = async (brandApi: JsonObject = { baseUrl: this.tap().url, apiKey: BRAND_KEY, phoneFormat: 'digits' }, name = STORE): Promise<Shop> => {
    const tenant = await this.api.createTenant({ name, brandApi });
    return {
      tenant,
      asha: new Customer(this.api, tenant.id, ASHA, 'Asha'),
      vikram: new Customer(this.api, tenant.id, VIKRAM, 'Vikram'),
      meera: new Customer(this.api, tenant.id, MEERA, 'Meera'),
    };
  };

  /** Stops the brand server process; its database stays for `restartBrand`. */
  async stopBrand(): Promise<void> {
    await this.brand?.stop();
    this.brand = undefined;
  }

  /** Starts the brand server again on the same port and database. */
  async restartBrand(): Promise<void> {
    this.brand = await this.startBrand(this.brandPort);
  }

  private startBrand(port: number): Promise<ReferenceProcess> {
    return startReferenceProcess(['--port', String(port), '--key', BRAND_KEY, '--db', this.brandDb, '--seed']);
  }
}
