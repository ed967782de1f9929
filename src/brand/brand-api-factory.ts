/**
 * One BrandApi per tenant, kept between calls: the circuit breaker only works if a tenant's
 * failures are counted by the same client, and keep-alive connections only help if they are
 * reused. All tenants share one connection agent. A tenant whose settings or key changed
 * gets a fresh client (with a fresh breaker); `forget` drops one when a tenant is edited.
 */
import type { Agent } from 'undici';
import type { BrandApi } from '../domain/ports/brand-api.js';
import { BrandApiClient, type BrandApiClientOptions, type BrandAttempt } from './brand-api-client.js';
import { brandAgent } from './brand-http.js';
import type { PhoneFormat } from './phone-path.js';

/** The part of a tenant's settings (or its admin view) the factory reads. */
export interface TenantBrandSettings {
  id: string;
  brandApi: { baseUrl: string | null; timeoutMs?: number; phoneFormat?: PhoneFormat };
}

/** Options applied to every tenant's client (tests inject a clock, sleep, no delays). */
export type SharedClientOptions = Pick<BrandApiClientOptions, 'retryDelaysMs' | 'sleep' | 'elapsed'> & {
  failureThreshold?: number;
  cooldownMs?: number;
  now?: () => number;
  /** Logs failed attempts at warn, with the tenant id; never the key or a customer's phone. */
  logger?: { warn(fields: object, message: string): void };
  /** Sees every attempt of every tenant (metrics). */
  observer?: (tenantId: string, attempt: BrandAttempt) => void;
};

interface Cached {
  fingerprint: string;
  client: BrandApiClient;
}

export class BrandApiFactory {
  private readonly clients = new Map<string, Cached>();
  private readonly agent: Agent;

  constructor(private readonly shared: SharedClientOptions = {}) {
    this.agent = brandAgent();
  }

  /** The tenant's client, or null when it has no `brandApi.baseUrl` (no brand APIs to ask). */
  brandApiFor(tenant: TenantBrandSettings, apiKey: string | null | undefined): BrandApi | null {
    const { baseUrl } = tenant.brandApi;
    if (baseUrl === null) {
      this.forget(tenant.id);
      return null;
    }
    const key = apiKey ?? null;
    const timeoutMs = tenant.brandApi.timeoutMs ?? 5000;
    const phoneFormat = tenant.brandApi.phoneFormat ?? 'digits';
    // The key is part of the identity so a rotated key takes effect at once; the
    // fingerprint stays in memory and is never logged.
    const fingerprint = JSON.stringify([baseUrl, timeoutMs, phoneFormat, key]);
    const cached = this.clients.get(tenant.id);
    if (cached?.fingerprint === fingerprint) return cached.client;
    const client = new BrandApiClient({
      baseUrl,
      apiKey: key,
      timeoutMs,
      phoneFormat,
      dispatcher: this.agent,
      breaker: {
        ...(this.shared.failureThreshold !== undefined ? { failureThreshold: this.shared.failureThreshold } : {}),
        ...(this.shared.cooldownMs !== undefined ? { cooldownMs: this.shared.cooldownMs } : {}),
        ...(this.shared.now !== undefined ? { now: this.shared.now } : {}),
      },
      ...(this.shared.retryDelaysMs !== undefined ? { retryDelaysMs: this.shared.retryDelaysMs } : {}),
      ...(this.shared.sleep !== undefined ? { sleep: this.shared.sleep } : {}),
      ...(this.shared.elapsed !== undefined ? { elapsed: this.shared.elapsed } : {}),
      observer: (attempt) => this.observe(tenant.id, attempt),
    });
    this.clients.set(tenant.id, { fingerprint, client });
    return client;
  }

  /** Drops a tenant's client (its settings changed); the next call builds a new one. */
  forget(tenantId: string): void {
    this.clients.delete(tenantId);
  }

  /** Closes the shared connections; clients handed out before fail as network errors after. */
  async close(): Promise<void> {
    this.clients.clear();
    await this.agent.close();
  }

  private observe(tenantId: string, attempt: BrandAttempt): void {
    this.shared.observer?.(tenantId, attempt);
    if (attempt.cause !== null && attempt.outcome !== 'not_found') {
      this.shared.logger?.warn(
        { tenantId, endpoint: attempt.endpoint, attempt: attempt.attempt, httpStatus: attempt.httpStatus, outcome: attempt.outcome, willRetry: attempt.willRetry },
        attempt.cause,
      );
    }
  }
}
